import Rewriter
import XCTest

/// Every write of the corpus, in a transaction that is rolled back, on the legacy tables and
/// rewritten on the folded columns: the same legacy row count (the tag the proxy will send), the
/// same RETURNING rows, the same legacy tables afterwards (read back through the rewriter), and
/// JSON identical to what the migration's fold produces from the legacy tables afterwards.
final class WriteDifferentialTests: XCTestCase {
    private var databases: DifferentialDatabases!
    private var rewriter: Rewriter!
    private static let marker = "@@pgcutover-section@@"

    override func setUpWithError() throws {
        databases = try DifferentialDatabases.shared.get()
        rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
    }

    func testWriteCorpus() throws {
        XCTAssertGreaterThanOrEqual(WriteCorpus.cases.count, 20)
        for write in WriteCorpus.cases {
            guard case .rewritten(let rewritten, let statements) = rewriter.rewrite(write.sql) else {
                XCTFail("\(write.name): not rewritten: \(rewriter.rewrite(write.sql))")
                continue
            }
            if let error = write.error {
                XCTAssertEqual(try failure(of: write.sql, on: databases.legacy), error, "\(write.name): legacy")
                XCTAssertEqual(try failure(of: rewritten, on: databases.migrated), error, "\(write.name): rewritten\n\(rewritten)")
                continue
            }
            let legacy = try databases.legacy.run(script(write.sql, tables: Self.legacyTables, fold: Self.legacyFold), quiet: false)
                .components(separatedBy: Self.marker + "\n")
            let migrated: [String]
            do {
                migrated = try databases.migrated.run(script(rewritten, tables: try migratedTables(), fold: Self.migratedFold), quiet: false)
                    .components(separatedBy: Self.marker + "\n")
            } catch {
                XCTFail("\(write.name): rewritten write failed: \(error)")
                continue
            }
            guard legacy.count == 6, migrated.count == 6 else {
                XCTFail("\(write.name): unexpected output\n\(legacy)\n\(migrated)")
                continue
            }
            // Legacy: RETURNING rows, then the tag. Rewritten: the rows, or one row with the count.
            var legacyLines = lines(legacy[1])
            let tag = legacyLines.removeLast()
            let legacyCount = Int(tag.split(separator: " ").last ?? "") ?? -1
            let migratedLines = lines(migrated[1])
            switch statements.first?.commandTag {
            case .countFromResult(let verb)?:
                XCTAssertEqual(verb.tag(count: Int(migratedLines.first ?? "") ?? -2), tag, write.name)
            case .renameSelect(let verb)?:
                let rows = records(migratedLines.joined(separator: "\n"))
                XCTAssertEqual(verb.tag(count: rows.count), tag, write.name)
                XCTAssertEqual(rows.sorted(), records(legacyLines.joined(separator: "\n")).sorted(), write.name)
            default:
                XCTFail("\(write.name): no legacy tag rule")
            }
            XCTAssertGreaterThanOrEqual(legacyCount, 0, write.name)
            for section in 2...4 {
                XCTAssertEqual(
                    records(legacy[section]).sorted(), records(migrated[section]).sorted(),
                    "\(write.name): section \(section) differs\n\(rewritten)")
            }
        }
    }

    /// TRUNCATE is refused unless the deployment allows it; then the folds are emptied.
    func testTruncateWhenAllowed() throws {
        let sql = "TRUNCATE basin_relationships"
        guard case .refused(let error) = rewriter.rewrite(sql) else { return XCTFail("TRUNCATE not refused by default") }
        XCTAssertEqual(error.sqlState, "0A000")
        let allowing = Rewriter(mapping: rewriter.mapping, options: RewriterOptions(allowTruncate: true))
        guard case .rewritten(let rewritten, let statements) = allowing.rewrite(sql) else { return XCTFail("not rewritten") }
        XCTAssertEqual(statements.first?.commandTag, .fixed("TRUNCATE TABLE"))
        if case .refused = allowing.rewrite("TRUNCATE basin_relationships, coordizer_vocabulary") {} else {
            XCTFail("a TRUNCATE of legacy and other tables must be refused")
        }
        let legacy = try databases.legacy.run(script(sql, tables: Self.legacyTables, fold: Self.legacyFold), quiet: false)
            .components(separatedBy: Self.marker + "\n")
        let migrated = try databases.migrated.run(script(rewritten, tables: try migratedTables(), fold: Self.migratedFold), quiet: false)
            .components(separatedBy: Self.marker + "\n")
        XCTAssertEqual(legacy.count, 6)
        XCTAssertEqual(migrated.count, 6)
        XCTAssertEqual(lines(legacy[1]), ["TRUNCATE TABLE"])
        XCTAssertTrue(lines(migrated[1]).first?.hasPrefix("UPDATE ") ?? false)
        for section in 2...4 {
            XCTAssertEqual(records(legacy[section]).sorted(), records(migrated[section]).sorted(), "section \(section)")
        }
        XCTAssertTrue(records(legacy[3]).isEmpty)
        XCTAssertFalse(records(legacy[2]).isEmpty)
    }

    /// Extended-protocol clients bind parameters with the types the server describes: a
    /// rewritten write must infer the legacy types (real, integer, text[], timestamp), not text.
    func testWriteParameterTypes() throws {
        let cases = [
            ("INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used) VALUES ($1, $2, $3, $4, $5)",
             "'hera', 'w001', 0.5, 2, '2026-01-01'"),
            ("UPDATE god_vocabulary_profiles SET relevance_score = $1 WHERE god_name = $2 AND word = $3", "0.25, 'zeus', 'w001'"),
            ("DELETE FROM basin_relationships WHERE word = $1 AND neighbor = $2", "'w001', 'w002'"),
            ("INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, contexts) VALUES ($1, $2, $3, $4) ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = basin_relationships.cooccurrence_count + EXCLUDED.cooccurrence_count",
             "'w001', 'w002', 2, ARRAY['p']"),
        ]
        for (sql, arguments) in cases {
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else {
                XCTFail("not rewritten: \(sql)")
                continue
            }
            func parameterTypes(_ statement: String, on database: Psql) throws -> String {
                try database.run(
                    """
                    BEGIN;
                    PREPARE pgcutover_w AS \(statement);
                    EXECUTE pgcutover_w(\(arguments));
                    SELECT 'types:' || parameter_types::text FROM pg_prepared_statements WHERE name = 'pgcutover_w';
                    ROLLBACK;
                    """
                ).split(separator: "\n").first { $0.hasPrefix("types:") }.map(String.init) ?? "none"
            }
            let legacy = try parameterTypes(sql, on: databases.legacy)
            XCTAssertNotEqual(legacy, "none")
            XCTAssertEqual(legacy, try parameterTypes(rewritten, on: databases.migrated), sql)
        }
    }

    private func script(_ write: String, tables: [String], fold: String) -> String {
        ([
            // Sequences are not transactional: start both databases from the same next id.
            "BEGIN;", "SELECT setval('god_vocabulary_profiles_id_seq', 5000, false), setval('basin_relationships_id_seq', 5000, false);",
            "\\echo \(Self.marker)", write + ";", "\\echo \(Self.marker)",
        ] + tables.flatMap { ["\($0);", "\\echo \(Self.marker)"] } + [fold + ";", "\\echo \(Self.marker)", "ROLLBACK;"])
        .joined(separator: "\n") + "\n"
    }

    private func failure(of sql: String, on database: Psql) throws -> String {
        do {
            try database.run("\\set VERBOSITY verbose\nBEGIN;\n\(sql);\nROLLBACK;\n")
            return "no error"
        } catch let failure as Psql.Failure {
            // "ERROR:  23505: duplicate key …"
            guard let range = failure.stderr.range(of: "ERROR:  ") else { return failure.stderr }
            return String(failure.stderr[range.upperBound...].prefix(5))
        }
    }

    private static let legacyTables = ["SELECT * FROM god_vocabulary_profiles", "SELECT * FROM basin_relationships"]

    private func migratedTables() throws -> [String] {
        try Self.legacyTables.map { sql in
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else { throw RewriteFailed() }
            return rewritten
        }
    }

    private struct RewriteFailed: Error {}

    /// The migration's fold, computed from the legacy tables as they are after the write.
    static let legacyFold = """
        SELECT w.word,
            (SELECT jsonb_object_agg(g.god_name, jsonb_build_object('id', g.id, 'relevance_score', g.relevance_score,
                'usage_count', g.usage_count, 'last_used', g.last_used, 'learned_from_phi', g.learned_from_phi,
                'basin_distance', g.basin_distance)) FROM god_vocabulary_profiles AS g WHERE g.word = w.word)::text,
            (SELECT jsonb_agg(jsonb_build_object('id', b.id, 'neighbor', b.neighbor, 'cooccurrence_count',
                b.cooccurrence_count, 'strength', b.strength, 'avg_phi', b.avg_phi, 'max_phi', b.max_phi,
                'fisher_distance', b.fisher_distance, 'contexts', b.contexts, 'updated_at', b.updated_at) ORDER BY b.id)
             FROM basin_relationships AS b WHERE b.word = w.word)::text
        FROM (SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships) AS w
        """

    static let migratedFold = """
        SELECT token, god_profile::text, relationships::text FROM coordizer_vocabulary
        WHERE god_profile IS NOT NULL OR relationships IS NOT NULL
        """

    private func lines(_ section: String) -> [String] {
        section.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private func records(_ section: String) -> [String] {
        var text = section
        if text.hasSuffix("\n") { text.removeLast() }
        return text.isEmpty ? [] : text.components(separatedBy: Psql.recordSeparator)
    }
}

/// A legacy write for a word that has no token row creates one, inactive and marked as
/// legacy-only (the migrator's policy), so generation code (`active = true`) does not see it;
/// a later upsert on coordizer_vocabulary in the same script then finds that row and updates it.
final class NewTokenRowTests: XCTestCase {
    func testLegacyWriteCreatesAnInactiveTokenRowThatLaterUpsertsFind() throws {
        let databases = try DifferentialDatabases.shared.get()
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        let insert = "INSERT INTO basin_relationships (word, neighbor, updated_at) VALUES ('never seen', 'w001', '2026-03-01')"
        guard case .rewritten(let rewritten, _) = rewriter.rewrite(insert) else { return XCTFail("not rewritten") }
        let output = try databases.migrated.run(
            """
            BEGIN;
            SELECT count(*) FROM coordizer_vocabulary WHERE token = 'never seen';
            \(rewritten);
            SELECT active, source_type, god_profile IS NULL, jsonb_array_length(relationships) FROM coordizer_vocabulary WHERE token = 'never seen';
            INSERT INTO coordizer_vocabulary AS c (token, frequency) VALUES ('never seen', 5)
                ON CONFLICT (token) DO UPDATE SET frequency = c.frequency + 100 RETURNING frequency;
            ROLLBACK;
            """)
        let lines = output.split(separator: "\n").map { $0.replacingOccurrences(of: Psql.fieldSeparator, with: "|") }
        XCTAssertEqual(lines, ["0", "1", "f|pgcutover:legacy-only|t|1", "101"])
    }
}
