import Migrator
import PostgresNIO
import XCTest

final class RoundTripTests: XCTestCase {
    func testUpVerifyDownRoundTrip() async throws {
        try await TestDatabase.with { db in
            let loaded = try await TestDatabase.loadDemo(db, scale: 0.02)
            let before = try await TestDatabase.string(db, "SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM coordizer_vocabulary t")
            let summary = try await TestDatabase.runner(db).up()
            XCTAssertNotNil(summary)
            XCTAssertGreaterThan(summary?.tokensCreated ?? 0, 0, "the demo has legacy words with no token row")

            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            XCTAssertEqual(report.tables[0].matched, loaded.godProfiles)
            XCTAssertEqual(report.tables[1].matched, loaded.relationships)
            let invalid = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pg_index WHERE NOT indisvalid")
            XCTAssertEqual(invalid, 0)
            let indexes = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM pg_indexes WHERE tablename = 'coordizer_vocabulary' AND indexname IN
                ('idx_coordizer_god_profile', 'idx_coordizer_relationships', 'idx_coordizer_active', 'idx_coordizer_generation_lookup')
                """)
            XCTAssertEqual(indexes, 4)
            let logAfterUp = try await TestDatabase.int(db, ChangeLogCatchUpTests.logObjects)
            XCTAssertEqual(logAfterUp, 0, "no change log left behind by up")

            _ = try await TestDatabase.runner(db).down()  // 0060: the insert check views
            let checkViews = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pg_class WHERE relname LIKE 'pgcutover\\_insert\\_check\\_%'")
            XCTAssertEqual(checkViews, 0)
            _ = try await TestDatabase.runner(db).down()  // 0050: the assignment tables
            let assignmentTables = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pg_class WHERE relname LIKE 'pgcutover\\_assign\\_%'")
            XCTAssertEqual(assignmentTables, 0)
            _ = try await TestDatabase.runner(db).down()  // 0040: pgcutover_check with error fields
            _ = try await TestDatabase.runner(db).down()  // 0030: the dual-write triggers
            _ = try await TestDatabase.runner(db).down()  // 0020
            let after = try await TestDatabase.string(db, "SELECT md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM coordizer_vocabulary t")
            XCTAssertEqual(after, before, "down restores coordizer_vocabulary exactly")
            let logAfterDown = try await TestDatabase.int(db, ChangeLogCatchUpTests.logObjects)
            XCTAssertEqual(logAfterDown, 0)
            let ledger = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_schema_migrations")
            XCTAssertEqual(ledger, 0)
            let status = try await TestDatabase.runner(db).status()
            XCTAssertTrue(status.contains("0020_single_table_generation: pending"), status)
        }
    }

    func testSecondUpChangesNothing() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            _ = try await TestDatabase.runner(db).up()
            let content = try await TestDatabase.contentChecksum(db)
            let versions = try await TestDatabase.rowVersions(db)
            let dropped = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_dropped_relationships")
            let plain = try await TestDatabase.runner(db).up()
            XCTAssertEqual(plain?.alreadyComplete, true)
            // Even a full recompute (--repair) writes nothing: every row's JSON is already what it computes.
            let second = try await TestDatabase.runner(db, BackfillOptions(repair: true)).up()
            XCTAssertEqual(second?.alreadyComplete, false)
            XCTAssertEqual(second?.rowsUpdated, 0)
            XCTAssertEqual(second?.tokensCreated, 0)
            XCTAssertEqual(second?.catchUpRows, 0)
            let content2 = try await TestDatabase.contentChecksum(db)
            let versions2 = try await TestDatabase.rowVersions(db)
            XCTAssertEqual(content2, content)
            XCTAssertEqual(versions2, versions, "a second run must not rewrite any row")
            let dropped2 = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_dropped_relationships")
            XCTAssertEqual(dropped2, dropped)
        }
    }

    func testVerifyReportsEachKindOfDifference() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            _ = try await TestDatabase.runner(db).up()
            // different: one value changed in the JSON
            try await db.execute("""
                UPDATE coordizer_vocabulary SET relationships = jsonb_set(relationships, '{0,strength}', '0.123')
                WHERE id = (SELECT min(id) FROM coordizer_vocabulary WHERE relationships IS NOT NULL
                            AND relationships->0->>'strength' IS DISTINCT FROM '0.123')
                """)
            // extra: a legacy row deleted after the backfill (the JSON still has it), on another word
            try await db.execute("""
                DELETE FROM basin_relationships WHERE id = (
                    SELECT max(id) FROM basin_relationships WHERE word <> (
                        SELECT token FROM coordizer_vocabulary WHERE relationships->0->>'strength' = '0.123' LIMIT 1))
                """)
            // missing: a legacy row the JSON never got
            try await db.execute("""
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score)
                SELECT 'hera', token, 0.5 FROM coordizer_vocabulary
                WHERE NOT EXISTS (SELECT 1 FROM god_vocabulary_profiles g WHERE g.word = token AND g.god_name = 'hera')
                ORDER BY id LIMIT 1
                """)
            let report = try await Verifier(database: db).run()
            XCTAssertFalse(report.isClean)
            XCTAssertEqual(report.tables[0].missing, 1, report.text)
            XCTAssertEqual(report.tables[0].extra, 0, report.text)
            XCTAssertEqual(report.tables[1].extra, 1, report.text)
            XCTAssertEqual(report.tables[1].different, 1, report.text)
            XCTAssertEqual(report.tables[1].missing, 0, report.text)
            XCTAssertTrue(report.text.contains("e.g. different id"), report.text)

            // down must refuse: the JSON holds rows the legacy table lacks
            do {
                _ = try await TestDatabase.runner(db).down()
                XCTFail("down reversed a migration whose legacy tables are incomplete")
            } catch let error as MigratorError {
                XCTAssertTrue(error.message.contains("refusing"), error.description)
            }
            let columns = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM information_schema.columns
                WHERE table_name = 'coordizer_vocabulary' AND column_name = 'god_profile'
                """)
            XCTAssertEqual(columns, 1, "a refused down leaves the schema alone")

            // up --repair brings the JSON back in step with the legacy tables, and verify is clean again
            _ = try await TestDatabase.runner(db, BackfillOptions(repair: true)).up()
            let again = try await Verifier(database: db).run()
            XCTAssertTrue(again.isClean, again.text)
        }
    }

    func testChangedChecksumIsRefused() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pgcutover-mig-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["0020_single_table_generation.sql", "0020_single_table_generation.down.sql"] {
            try FileManager.default.copyItem(atPath: TestDatabase.migrationsDirectory + "/" + name,
                                             toPath: directory.appendingPathComponent(name).path)
        }
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db, directory: directory.path).up()
            let file = directory.appendingPathComponent("0020_single_table_generation.sql")
            try (try String(contentsOf: file, encoding: .utf8) + "\n-- edited\n").write(to: file, atomically: true, encoding: .utf8)
            do {
                _ = try await TestDatabase.runner(db, directory: directory.path).up()
                XCTFail("an edited applied migration was accepted")
            } catch let error as MigratorError {
                XCTAssertEqual(error.sqlState, "55000")
                XCTAssertTrue(error.message.contains("changed since it was applied"), error.description)
            }
            let status = try await TestDatabase.runner(db, directory: directory.path).status()
            XCTAssertTrue(status.contains("CHECKSUM CHANGED"), status)
        }
    }

    func testInvalidLeftoverIndexIsRebuilt() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db).up()
            // What an interrupted CREATE INDEX CONCURRENTLY leaves: an INVALID index, migration unrecorded.
            try await db.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_coordizer_relationships'::regclass")
            try await db.execute("DELETE FROM pgcutover_schema_migrations")
            _ = try await TestDatabase.runner(db).up()
            let invalid = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pg_index WHERE NOT indisvalid")
            XCTAssertEqual(invalid, 0)
            let exists = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pg_class WHERE relname = 'idx_coordizer_relationships'")
            XCTAssertEqual(exists, 1)
        }
    }
}
