import Migrator
import PostgresNIO
import XCTest

/// `down` reverses 0020 only while the legacy tables are intact and complete; otherwise it refuses,
/// says why, and changes nothing.
final class DownRefusalTests: XCTestCase {
    /// Up, then down of every migration after 0020, so the next down is 0020's.
    private func migratedUpTo0020(_ db: Database) async throws {
        try await TestDatabase.loadDemo(db, scale: 0.02, seed: 9)
        _ = try await TestDatabase.runner(db).up()
        let later = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_schema_migrations WHERE version > 20")
        XCTAssertGreaterThan(later, 0)
        for _ in 0..<later { _ = try await TestDatabase.runner(db).down() }
        let left = try await TestDatabase.string(db, "SELECT string_agg(version::text, ',' ORDER BY version) FROM pgcutover_schema_migrations")
        XCTAssertEqual(left, "20", "only 0020 is left to reverse")
    }

    /// What 0020's down would change: the columns, the indexes, the token rows, the ledger.
    private func fingerprint(_ db: Database) async throws -> String {
        try await TestDatabase.string(db, """
            SELECT concat_ws(' / ',
                (SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns
                 WHERE table_name = 'coordizer_vocabulary' AND table_schema = current_schema()),
                (SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'coordizer_vocabulary'),
                (SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM coordizer_vocabulary t),
                (SELECT string_agg(version::text, ',' ORDER BY version) FROM pgcutover_schema_migrations),
                (SELECT count(*) FROM pgcutover_backfill))
            """)
    }

    private func expectRefusal(_ db: Database, file: StaticString = #filePath, line: UInt = #line) async throws -> MigratorError? {
        do {
            _ = try await TestDatabase.runner(db).down()
            XCTFail("down reversed 0020 although the legacy tables do not hold everything", file: file, line: line)
            return nil
        } catch let error as MigratorError {
            XCTAssertEqual(error.sqlState, "55000", error.description, file: file, line: line)
            XCTAssertTrue(error.message.hasPrefix("refusing to reverse 0020_single_table_generation"), error.description,
                          file: file, line: line)
            return error
        }
    }

    /// Writes that went to the JSON only (as rewrite mode without reverse sync would make them): one
    /// relationship the legacy table lacks, one god-profile value that differs from its legacy row.
    func testDownRefusesWhileTheJSONHoldsRowsTheLegacyTablesLackOrThatDiffer() async throws {
        try await TestDatabase.with { db in
            try await migratedUpTo0020(db)
            let word = try await TestDatabase.string(db, "SELECT token FROM coordizer_vocabulary WHERE relationships IS NOT NULL ORDER BY id LIMIT 1")
            let profileID = try await TestDatabase.int(db, "SELECT min(id)::int8 FROM god_vocabulary_profiles")
            try await db.execute("""
                UPDATE coordizer_vocabulary SET relationships = relationships || jsonb_build_array(jsonb_build_object(
                    'id', 999999, 'neighbor', 'json-only', 'cooccurrence_count', 1, 'strength', NULL, 'avg_phi', NULL,
                    'max_phi', NULL, 'fisher_distance', NULL, 'contexts', NULL, 'updated_at', '2026-01-01T00:00:00'))
                WHERE token = '\(word)'
                """)
            try await db.execute("""
                UPDATE coordizer_vocabulary cv SET god_profile = jsonb_set(god_profile, ARRAY[g.god_name, 'relevance_score'], '0.125')
                FROM god_vocabulary_profiles g WHERE g.id = \(profileID) AND cv.token = g.word
                """)
            let before = try await fingerprint(db)
            let error = try await expectRefusal(db)
            XCTAssertTrue(error?.detail?.contains("god_vocabulary_profiles: the JSON holds 0 row(s) the legacy table lacks, 1 that differ") == true,
                          error?.description ?? "")
            XCTAssertTrue(error?.detail?.contains("basin_relationships: the JSON holds 1 row(s) the legacy table lacks, 0 that differ") == true,
                          error?.description ?? "")
            let after = try await fingerprint(db)
            XCTAssertEqual(after, before, "a refused down changes nothing")

            // Moved back to the legacy tables, the same down goes through.
            try await db.execute("""
                INSERT INTO basin_relationships (id, word, neighbor, cooccurrence_count, updated_at)
                VALUES (999999, '\(word)', 'json-only', 1, '2026-01-01T00:00:00')
                """)
            try await db.execute("UPDATE god_vocabulary_profiles SET relevance_score = 0.125 WHERE id = \(profileID)")
            _ = try await TestDatabase.runner(db).down()
            let columns = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM information_schema.columns WHERE table_name = 'coordizer_vocabulary' AND column_name = 'relationships'
                """)
            XCTAssertEqual(columns, 0)
        }
    }

    func testDownRefusesWhenALegacyTableIsGone() async throws {
        try await TestDatabase.with { db in
            try await migratedUpTo0020(db)
            try await db.execute("ALTER TABLE basin_relationships RENAME TO basin_relationships_elsewhere")
            let before = try await fingerprint(db)
            let error = try await expectRefusal(db)
            XCTAssertEqual(error?.message, "refusing to reverse 0020_single_table_generation: legacy table basin_relationships does not exist")
            let after = try await fingerprint(db)
            XCTAssertEqual(after, before, "a refused down changes nothing")

            try await db.execute("ALTER TABLE basin_relationships_elsewhere RENAME TO basin_relationships")
            _ = try await TestDatabase.runner(db).down()
            let ledger = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_schema_migrations")
            XCTAssertEqual(ledger, 0)
        }
    }
}
