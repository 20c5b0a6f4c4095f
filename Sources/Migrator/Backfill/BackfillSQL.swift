/// The SQL of the single-table backfill. The JSON built here is the data contract: every legacy column
/// as `to_jsonb(column)` (so NULL is a JSON null with its key present, and `(elem->>'k')::type` gives
/// the value back exactly), the legacy id included, the seed's key names kept.
enum BackfillSQL {
    static let godElement = """
        jsonb_build_object('id', g.id, 'relevance_score', g.relevance_score, 'usage_count', g.usage_count,
            'last_used', g.last_used, 'learned_from_phi', g.learned_from_phi, 'basin_distance', g.basin_distance)
        """

    static let relationshipFields = """
        'id', r.id, 'neighbor', r.neighbor, 'cooccurrence_count', r.cooccurrence_count,
            'strength', r.strength, 'avg_phi', r.avg_phi, 'max_phi', r.max_phi,
            'fisher_distance', r.fisher_distance, 'contexts', r.contexts, 'updated_at', r.updated_at
        """

    static let relationshipElement = "jsonb_build_object(\(relationshipFields))"

    /// The same array as `jsonb_agg(relationshipElement ORDER BY r.id)`, built as json text and parsed
    /// once: `jsonb_agg` takes each element apart and builds it again. Both turn every value into JSON
    /// through the same output functions (a float4 through float4out, then numeric_in), so the jsonb is
    /// identical. Measured at scale 1.0 (one connection, no GIN indexes): 2.23 -> 2.12 s of server CPU for
    /// the main pass (docs/benchmarks.md, Migrator).
    static let relationshipArray = "json_agg(json_build_object(\(relationshipFields)) ORDER BY r.id)::jsonb"

    /// The cap's order: the seed kept the "top 50" by co-occurrence; ties are broken by id so the
    /// choice is deterministic.
    static let rank = "row_number() OVER (PARTITION BY r.word ORDER BY r.cooccurrence_count DESC NULLS LAST, r.id)"

    static let createTables = [
        """
        CREATE TABLE IF NOT EXISTS pgcutover_backfill (
            name text PRIMARY KEY,
            relationships_cap integer,
            on_missing_token text NOT NULL,
            start_id bigint NOT NULL,
            end_id bigint NOT NULL,
            -- the main pass's lanes (BackfillLane): where each one is, and where it ends
            lane_next bigint[] NOT NULL,
            lane_end bigint[] NOT NULL,
            batches bigint NOT NULL DEFAULT 0,
            rows_updated bigint NOT NULL DEFAULT 0,
            tokens_created bigint NOT NULL DEFAULT 0,
            started_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            main_pass_done_at timestamptz)
        """,
        """
        CREATE TABLE IF NOT EXISTS pgcutover_dropped_relationships (
            id integer PRIMARY KEY,
            word text NOT NULL,
            rank bigint NOT NULL,
            cooccurrence_count real,
            legacy_row jsonb NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now())
        """,
        "CREATE INDEX IF NOT EXISTS pgcutover_dropped_relationships_word ON pgcutover_dropped_relationships (word)",
    ]

    static let legacyWords = "(SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships)"

    /// The words of the change log that still have legacy rows (the catch-up needs token rows only for those).
    static let loggedLegacyWords = """
        (SELECT DISTINCT c.word FROM pgcutover_backfill_changes c WHERE c.word IS NOT NULL
           AND (EXISTS (SELECT 1 FROM basin_relationships r WHERE r.word = c.word)
                OR EXISTS (SELECT 1 FROM god_vocabulary_profiles g WHERE g.word = c.word)))
        """

    static func createMissingTokens(words: String = legacyWords) -> String { """
        WITH created AS (
            INSERT INTO coordizer_vocabulary (token, active, source_type)
            SELECT w.word, false, 'pgcutover:legacy-only' FROM \(words) w
            WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary cv WHERE cv.token = w.word)
            ORDER BY w.word
            ON CONFLICT (token) DO NOTHING
            RETURNING id)
        SELECT count(*)::int8 FROM created
        """
    }

    static func missingTokens(words: String = legacyWords) -> String { """
        SELECT count(*)::int8, coalesce((array_agg(w.word ORDER BY w.word))[1:10], '{}')
        FROM \(words) w
        WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary cv WHERE cv.token = w.word)
        """
    }

    /// Target: a range of ids ($1 inclusive, $2 exclusive); cap is $3.
    static let rangeTarget = (target: "cv.id >= $1 AND cv.id < $2", cap: "$3::int8")
    /// Target: a list of ids ($1); cap is $2.
    static let listTarget = (target: "cv.id = ANY($1::int4[])", cap: "$2::int8")

    /// Waits for anyone writing these token rows (a proxy dual-write) to commit, so the batch statement
    /// that follows, with its own fresh snapshot, sees their legacy writes too.
    static func lock(_ target: String) -> String {
        "SELECT count(*)::int8 FROM (SELECT 1 FROM coordizer_vocabulary cv WHERE \(target) ORDER BY cv.id FOR NO KEY UPDATE) locked"
    }

    /// One statement, so one snapshot: recompute the targets' JSON from the legacy tables, write only
    /// rows whose JSON differs (a rerun writes nothing), and keep the record of capped rows in step.
    /// Returns targets, rows updated, capped rows in this range. (Data-modifying CTEs run whether or
    /// not the final SELECT reads them.) The aggregates are MATERIALIZED so each is computed once: the
    /// UPDATE's join repeats the target condition, PostgreSQL then expects one row out of it and may
    /// pick a nested loop that re-runs an inlined aggregate for every target row. Seen in the catch-up
    /// (a list of 171 ids): the batch took 1.9 s with the JSON re-aggregated 171 times (4.1 s when
    /// rebuilt from the legacy rows each time), 0.18 s materialized, while holding the row locks.
    static func batch(_ target: String, cap: String, capped: Bool) -> String {
        guard capped else { return uncappedBatch(target) }
        return """
        WITH target AS (
            SELECT cv.id, cv.token FROM coordizer_vocabulary cv WHERE \(target)
        ), rel AS (
            SELECT r.id, r.word, r.cooccurrence_count, \(relationshipElement) AS elem, \(rank) AS rank
            FROM basin_relationships r JOIN target t ON r.word = t.token
        ), rel_agg AS MATERIALIZED (
            SELECT word, jsonb_agg(elem ORDER BY id) AS arr FROM rel
            WHERE \(cap) IS NULL OR rank <= \(cap) GROUP BY word
        ), \(profilesAndUpdate(target)), capped AS (
            SELECT rel.id, rel.word, rel.rank, rel.cooccurrence_count, to_jsonb(r) AS legacy_row
            FROM rel JOIN basin_relationships r ON r.id = rel.id
            WHERE \(cap) IS NOT NULL AND rel.rank > \(cap)
        ), stale AS (
            DELETE FROM pgcutover_dropped_relationships d USING target t
            WHERE d.word = t.token AND d.id NOT IN (SELECT id FROM capped)
            RETURNING d.id
        ), recorded AS (
            INSERT INTO pgcutover_dropped_relationships AS d (id, word, rank, cooccurrence_count, legacy_row)
            SELECT id, word, rank, cooccurrence_count, legacy_row FROM capped
            ON CONFLICT (id) DO UPDATE SET word = excluded.word, rank = excluded.rank,
                cooccurrence_count = excluded.cooccurrence_count, legacy_row = excluded.legacy_row
            WHERE (d.word, d.rank, d.cooccurrence_count, d.legacy_row)
                IS DISTINCT FROM (excluded.word, excluded.rank, excluded.cooccurrence_count, excluded.legacy_row)
            RETURNING d.id
        )
        SELECT (SELECT count(*) FROM target)::int8, (SELECT count(*) FROM updated)::int8,
               (SELECT count(*) FROM capped)::int8
        """
    }

    /// What both batch statements do after aggregating the relationships into `rel_agg`: aggregate
    /// the god profiles, pair each target row with its fresh JSON, and update the rows whose JSON
    /// differs (`updated`).
    private static func profilesAndUpdate(_ target: String) -> String { """
        god_agg AS MATERIALIZED (
            SELECT g.word, jsonb_object_agg(g.god_name, \(godElement)) AS obj
            FROM god_vocabulary_profiles g JOIN target t ON g.word = t.token GROUP BY g.word
        ), fresh AS (
            SELECT t.id, g.obj, ra.arr FROM target t
            LEFT JOIN god_agg g ON g.word = t.token LEFT JOIN rel_agg ra ON ra.word = t.token
        ), updated AS (
            UPDATE coordizer_vocabulary cv SET god_profile = f.obj, relationships = f.arr
            FROM fresh f
            WHERE cv.id = f.id AND \(target) AND (cv.god_profile IS DISTINCT FROM f.obj OR cv.relationships IS DISTINCT FROM f.arr)
            RETURNING cv.id
        )
        """
    }

    /// `batch` without a cap (the default): nothing is ranked or recorded as dropped, and the legacy
    /// rows are read once, straight into the aggregate. In `batch`, `rel` feeds two CTEs, so PostgreSQL
    /// materializes every row's JSON element and sorts that (spilling to disk past work_mem); here only
    /// the raw rows are sorted. Measured at scale 1.0 (one connection, no GIN indexes): 2.48 -> 2.20 s
    /// of server CPU for the main pass (docs/benchmarks.md, Migrator). Records of an earlier capped run are removed as in `batch` (its
    /// `capped` is empty without a cap). No cap parameter: the bindings are the target's only.
    static func uncappedBatch(_ target: String) -> String { """
        WITH target AS (
            SELECT cv.id, cv.token FROM coordizer_vocabulary cv WHERE \(target)
        ), rel_agg AS MATERIALIZED (
            SELECT r.word, \(relationshipArray) AS arr
            FROM basin_relationships r JOIN target t ON r.word = t.token GROUP BY r.word
        ), \(profilesAndUpdate(target)), stale AS (
            DELETE FROM pgcutover_dropped_relationships d USING target t WHERE d.word = t.token
            RETURNING d.id
        )
        SELECT (SELECT count(*) FROM target)::int8, (SELECT count(*) FROM updated)::int8, 0::int8
        """
    }

    /// Every token whose stored JSON differs from what the legacy tables give now ($1 is the cap).
    static func outOfStep(capped: Bool) -> String {
        let rank = capped ? rank : "0::int8"
        return """
        WITH rel AS (
            SELECT r.id, r.word, \(relationshipElement) AS elem, \(rank) AS rank FROM basin_relationships r
        ), rel_agg AS (
            SELECT word, jsonb_agg(elem ORDER BY id) AS arr FROM rel WHERE $1::int8 IS NULL OR rank <= $1::int8 GROUP BY word
        ), god_agg AS (
            SELECT g.word, jsonb_object_agg(g.god_name, \(godElement)) AS obj FROM god_vocabulary_profiles g GROUP BY g.word
        )
        SELECT cv.id FROM coordizer_vocabulary cv
        LEFT JOIN god_agg g ON g.word = cv.token LEFT JOIN rel_agg ra ON ra.word = cv.token
        WHERE cv.god_profile IS DISTINCT FROM g.obj OR cv.relationships IS DISTINCT FROM ra.arr
        ORDER BY cv.id
        """
    }
}
