import PostgresNIO

/// Rebuilds every legacy row from `god_profile` and `relationships` and compares it, column by column,
/// with the legacy tables: one set operation per table (a full join on the legacy id).
public struct Verifier: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    static let rebuiltProfiles = """
        SELECT (e.value->>'id')::int AS id, e.key AS god_name, cv.token AS word,
               (e.value->>'relevance_score')::real AS relevance_score, (e.value->>'usage_count')::int AS usage_count,
               (e.value->>'last_used')::timestamp AS last_used, (e.value->>'learned_from_phi')::real AS learned_from_phi,
               (e.value->>'basin_distance')::real AS basin_distance
        FROM coordizer_vocabulary cv, jsonb_each(cv.god_profile) e
        WHERE jsonb_typeof(cv.god_profile) = 'object'
        """

    static let rebuiltRelationships = """
        SELECT (e->>'id')::int AS id, cv.token AS word, e->>'neighbor' AS neighbor,
               (e->>'cooccurrence_count')::real AS cooccurrence_count, (e->>'strength')::real AS strength,
               (e->>'avg_phi')::real AS avg_phi, (e->>'max_phi')::real AS max_phi,
               (e->>'fisher_distance')::real AS fisher_distance,
               CASE WHEN jsonb_typeof(e->'contexts') = 'array'
                    THEN ARRAY(SELECT jsonb_array_elements_text(e->'contexts')) END AS contexts,
               (e->>'updated_at')::timestamp AS updated_at
        FROM coordizer_vocabulary cv, jsonb_array_elements(cv.relationships) e
        WHERE jsonb_typeof(cv.relationships) = 'array'
        """

    static func comparison(rebuilt: String, legacy: String, columns: [String], capExplains: String) -> String {
        let l = "(" + columns.map { "l.\($0)" }.joined(separator: ", ") + ")"
        let n = "(" + columns.map { "n.\($0)" }.joined(separator: ", ") + ")"
        return """
            WITH n AS (\(rebuilt)),
            cmp AS (
                SELECT l.id AS legacy_id, n.id AS rebuilt_id, \(l) IS NOT DISTINCT FROM \(n) AS same,
                       (l.id IS NOT NULL AND n.id IS NULL AND \(capExplains)) AS capped,
                       CASE WHEN l.id IS NULL THEN 'extra' WHEN n.id IS NULL THEN 'missing'
                            WHEN \(l) IS NOT DISTINCT FROM \(n) THEN 'matched' ELSE 'different' END AS kind,
                       to_jsonb(l) AS legacy_row, to_jsonb(n) AS rebuilt_row
                FROM \(legacy) l FULL JOIN n ON n.id = l.id
            ),
            counts AS (
                SELECT (SELECT count(*) FROM \(legacy))::int8 AS legacy_rows,
                       (SELECT count(*) FROM n)::int8 AS rebuilt_rows,
                       count(*) FILTER (WHERE kind = 'matched')::int8 AS matched,
                       count(*) FILTER (WHERE kind = 'missing')::int8 AS missing,
                       count(*) FILTER (WHERE kind = 'missing' AND capped)::int8 AS capped,
                       count(*) FILTER (WHERE kind = 'extra')::int8 AS extra,
                       count(*) FILTER (WHERE kind = 'different')::int8 AS different,
                       ((SELECT count(*) FROM n WHERE id IS NOT NULL) - (SELECT count(DISTINCT id) FROM n))::int8 AS duplicates
                FROM cmp
            ),
            examples AS (
                SELECT string_agg(kind || ' id ' || coalesce(legacy_id, rebuilt_id)::text || ': legacy '
                                  || coalesce(legacy_row::text, '-') || ' / rebuilt ' || coalesce(rebuilt_row::text, '-'),
                                  E'\\n' ORDER BY kind, coalesce(legacy_id, rebuilt_id)) AS text
                FROM (SELECT *, row_number() OVER (PARTITION BY kind ORDER BY coalesce(legacy_id, rebuilt_id)) AS k
                      FROM cmp WHERE kind <> 'matched' AND NOT (kind = 'missing' AND capped)) x
                WHERE k <= 3
            )
            SELECT legacy_rows, rebuilt_rows, matched, missing, capped, extra, different, duplicates,
                   coalesce((SELECT text FROM examples), '')
            FROM counts
            """
    }

    public func run() async throws -> VerificationReport {
        for table in ["god_vocabulary_profiles", "basin_relationships"] {
            if try await database.tableExists(table) { continue }
            throw MigratorError(sqlState: "42P01", message: "legacy table \(table) does not exist; nothing to verify against")
        }
        let columns = try await database.scalarInt("""
            SELECT count(*)::int8 FROM information_schema.columns
            WHERE table_name = 'coordizer_vocabulary' AND table_schema = current_schema()
              AND column_name IN ('god_profile', 'relationships')
            """) ?? 0
        guard columns == 2 else {
            throw MigratorError(sqlState: "42703", message: "coordizer_vocabulary has no god_profile/relationships columns",
                                hint: "run `pgcutover migrate up` first")
        }
        var cap: Int?
        if try await database.tableExists("pgcutover_backfill") {
            for try await value in try await database.query(
                "SELECT relationships_cap::int8 FROM pgcutover_backfill WHERE name = \(SingleTableBackfill.name)"
            ).decode(Int?.self) { cap = value }
        }
        let capExplains = cap == nil ? "false" : """
            EXISTS (SELECT 1 FROM pgcutover_dropped_relationships d WHERE d.id = l.id AND d.word = l.word)
            """
        let profiles = try await compare(
            table: "god_vocabulary_profiles",
            sql: Self.comparison(
                rebuilt: Self.rebuiltProfiles, legacy: "god_vocabulary_profiles",
                columns: ["id", "god_name", "word", "relevance_score", "usage_count", "last_used",
                          "learned_from_phi", "basin_distance"],
                capExplains: "false"))
        let relationships = try await compare(
            table: "basin_relationships",
            sql: Self.comparison(
                rebuilt: Self.rebuiltRelationships, legacy: "basin_relationships",
                columns: ["id", "word", "neighbor", "cooccurrence_count", "strength", "avg_phi", "max_phi",
                          "fisher_distance", "contexts", "updated_at"],
                capExplains: capExplains))
        return VerificationReport(tables: [profiles, relationships], relationshipsCap: cap)
    }

    private func compare(table: String, sql: String) async throws -> TableComparison {
        var result = TableComparison(table: table)
        let rows = try await database.query(PostgresQuery(unsafeSQL: sql))
        for try await (legacy, rebuilt, matched, missing, capped, extra, different, duplicates, examples)
            in rows.decode((Int, Int, Int, Int, Int, Int, Int, Int, String).self)
        {
            result.legacyRows = legacy
            result.rebuiltRows = rebuilt
            result.matched = matched
            result.missing = missing
            result.missingExplainedByCap = capped
            result.extra = extra
            result.different = different
            result.duplicates = duplicates
            result.examples = examples.isEmpty ? [] : examples.split(separator: "\n").map {
                $0.count > 400 ? String($0.prefix(400)) + "…" : String($0)
            }
        }
        return result
    }
}
