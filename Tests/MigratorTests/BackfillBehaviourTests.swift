import Migrator
import PostgresNIO
import Synchronization
import XCTest

final class BackfillBehaviourTests: XCTestCase {
    /// Interrupting at random batch boundaries, then rerunning, ends exactly where one uninterrupted run ends.
    func testResumeAfterInterruptionsAtRandomBatchBoundaries() async throws {
        let reference = try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 11)
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25)).up()
            return try await TestDatabase.contentChecksum(db)
        }
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 11)
            var runs = 0
            while true {
                runs += 1
                let limit = 1 + rng.below(4)
                let summary = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, maxBatches: limit)).up()
                if summary?.interrupted == false { break }
                XCTAssertEqual(summary?.batches, limit, "rng seed \(seed)")
                XCTAssertLessThan(runs, 200)
            }
            XCTAssertGreaterThan(runs, 2, "the run was actually interrupted (rng seed \(seed))")
            let resumed = try await TestDatabase.contentChecksum(db)
            XCTAssertEqual(resumed, reference, "rng seed \(seed)")
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
        }
    }

    /// Batches slower than half the lock timeout shrink (`BatchSizer`); with a timeout of 2 ms every
    /// batch is, so the pass runs in ever smaller ranges and still ends where one run with fixed
    /// batches ends.
    func testBatchesShrinkWhenSlowAndTheResultIsUnchanged() async throws {
        let reference = try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 11)
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 64)).up()
            return try await TestDatabase.contentChecksum(db)
        }
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 11)
            // The schema steps only; the backfill then runs on its own with the tiny timeout.
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 64, maxBatches: 0)).up()
            let messages = Mutex<[String]>([])
            let summary = try await SingleTableBackfill(
                database: db, options: BackfillOptions(batchSize: 64, jobs: 1), lockTimeoutMilliseconds: 2,
                report: { event in
                    if case .message(let text) = event { messages.withLock { $0.append(text) } }
                }
            ).run()
            XCTAssertFalse(summary.interrupted)
            let resized = messages.withLock { $0 }.filter { $0.hasPrefix("batches on this connection now") }
            XCTAssertTrue(resized.contains { $0.hasPrefix("batches on this connection now 32 ") }, "\(resized)")
            XCTAssertTrue(resized.contains { $0.hasPrefix("batches on this connection now 4 ") }, "\(resized)")
            // 64 token ids per batch would take a few dozen batches; halved down to 4 it takes more.
            let tokens = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM coordizer_vocabulary")
            XCTAssertGreaterThan(summary.batches, tokens / 64 + 5)
            let shrunk = try await TestDatabase.contentChecksum(db)
            XCTAssertEqual(shrunk, reference)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
        }
    }

    /// Legacy writers keep inserting, updating and deleting, on words already processed and not yet
    /// processed, while the backfill runs; nothing they wrote is lost.
    func testConcurrentLegacyWritesAreNotLost() async throws {
        let server = try TestDatabase.serverSettings()
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.05, seed: 5)
            let writerDB = try await Database.connect(server.with(database: db.settings.database))
            let writer = Task { () -> Int in
                var writes = 0
                var rng = SplitMix64(seed: 99)
                while !Task.isCancelled {
                    let pick = rng.below(1_000_000)
                    switch writes % 4 {
                    case 0:
                        try await writerDB.query("""
                            INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, strength, contexts)
                            SELECT token, 'written-during-backfill-' || \(writes), 3, NULL, ARRAY['it''s "live"']
                            FROM coordizer_vocabulary ORDER BY id OFFSET \(pick) % (SELECT count(*) FROM coordizer_vocabulary) LIMIT 1
                            """)
                    case 1:
                        try await writerDB.query("""
                            UPDATE basin_relationships SET strength = \(Float(pick % 1000) / 1000), avg_phi = NULL
                            WHERE id = (SELECT id FROM basin_relationships ORDER BY id OFFSET \(pick) % (SELECT count(*) FROM basin_relationships) LIMIT 1)
                            """)
                    case 2:
                        try await writerDB.query("""
                            DELETE FROM basin_relationships
                            WHERE id = (SELECT id FROM basin_relationships ORDER BY id OFFSET \(pick) % (SELECT count(*) FROM basin_relationships) LIMIT 1)
                            """)
                    default:
                        try await writerDB.query("""
                            INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, learned_from_phi)
                            VALUES ('hermes', 'brand-new-word-' || \(writes), 0.25, NULL)
                            """)
                    }
                    writes += 1
                }
                return writes
            }
            // Let the writer get going, then backfill in small batches so the two interleave.
            try await Task.sleep(for: .milliseconds(200))
            let first = try await TestDatabase.runner(db, BackfillOptions(batchSize: 10)).up()
            writer.cancel()
            let writes = try await writer.value
            await writerDB.close()
            XCTAssertGreaterThan(writes, 20, "the writer wrote during the backfill")
            XCTAssertNotNil(first)
            // The runbook's last step: once writes are covered (dual-write) or quiet, up catches up.
            let second = try await TestDatabase.runner(db, BackfillOptions(batchSize: 10, repair: true)).up()
            XCTAssertGreaterThan((first?.catchUpRows ?? 0) + (second?.catchUpRows ?? 0), 0,
                                 "some writes landed behind the main pass and were caught up")
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            let newWords = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary WHERE token LIKE 'brand-new-word-%' AND active = false
                  AND god_profile ? 'hermes'
                """)
            let written = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM god_vocabulary_profiles WHERE word LIKE 'brand-new-word-%'")
            XCTAssertEqual(newWords, written)
        }
    }

    func testRelationshipsCapKeepsTopNAndRecordsEveryDroppedRow() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            let cap = 5
            let expectedDropped = try await TestDatabase.int(db, """
                SELECT coalesce(sum(greatest(n - \(cap), 0)), 0)::int8 FROM (SELECT count(*) AS n FROM basin_relationships GROUP BY word) x
                """)
            XCTAssertGreaterThan(expectedDropped, 0)
            let summary = try await TestDatabase.runner(db, BackfillOptions(relationshipsCap: cap)).up()
            XCTAssertEqual(summary?.droppedByCap, expectedDropped)
            XCTAssertEqual(summary?.droppedExamples.count, 10)
            let longest = try await TestDatabase.int(db, "SELECT max(jsonb_array_length(relationships))::int8 FROM coordizer_vocabulary")
            XCTAssertEqual(longest, cap)
            // The kept ones are the top N by (cooccurrence_count desc, id).
            let wrongKept = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM (
                    SELECT r.id, row_number() OVER (PARTITION BY r.word ORDER BY r.cooccurrence_count DESC, r.id) AS rank
                    FROM basin_relationships r) ranked
                WHERE (rank <= \(cap)) <> EXISTS (
                    SELECT 1 FROM coordizer_vocabulary cv, jsonb_array_elements(cv.relationships) e
                    WHERE (e->>'id')::int = ranked.id)
                """)
            XCTAssertEqual(wrongKept, 0)
            // Every dropped row is recorded in full.
            let unrecorded = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM basin_relationships r
                WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary cv, jsonb_array_elements(cv.relationships) e
                                  WHERE cv.token = r.word AND (e->>'id')::int = r.id)
                  AND NOT EXISTS (SELECT 1 FROM pgcutover_dropped_relationships d WHERE d.id = r.id AND d.legacy_row = to_jsonb(r))
                """)
            XCTAssertEqual(unrecorded, 0)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            XCTAssertEqual(report.tables[1].missingExplainedByCap, expectedDropped)
            XCTAssertEqual(report.tables[1].missing, expectedDropped)
        }
    }

    /// The uncapped batch statement is a separate one (BackfillSQL.uncappedBatch): dropping the cap later
    /// must still put every row back and empty the record of capped rows.
    func testUncappedRunAfterCappedRunRestoresEveryRowAndClearsTheRecord() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            let cap = 5
            let capped = try await TestDatabase.runner(db, BackfillOptions(relationshipsCap: cap)).up()
            XCTAssertGreaterThan(capped?.droppedByCap ?? 0, 0)
            let uncapped = try await TestDatabase.runner(db).up()
            XCTAssertGreaterThan(uncapped?.rowsUpdated ?? 0, 0)
            let recorded = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_dropped_relationships")
            XCTAssertEqual(recorded, 0)
            let longest = try await TestDatabase.int(db, "SELECT max(jsonb_array_length(relationships))::int8 FROM coordizer_vocabulary")
            let legacyLongest = try await TestDatabase.int(db, "SELECT max(n)::int8 FROM (SELECT count(*) AS n FROM basin_relationships GROUP BY word) x")
            XCTAssertGreaterThan(longest, cap)
            XCTAssertEqual(longest, legacyLongest)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            XCTAssertEqual(report.tables[1].missing, 0)
        }
    }

    func testMissingTokenCreatesInactiveRowsByDefault() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            let absent = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM (SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships) w
                WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary WHERE token = w.word)
                """)
            XCTAssertGreaterThan(absent, 0)
            let summary = try await TestDatabase.runner(db).up()
            XCTAssertEqual(summary?.tokensCreated, absent)
            let created = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary
                WHERE active = false AND source_type = 'pgcutover:legacy-only' AND (god_profile IS NOT NULL OR relationships IS NOT NULL)
                """)
            XCTAssertEqual(created, absent)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
        }
    }

    func testMissingTokenFailStopsBeforeAnyChange() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02)
            do {
                _ = try await TestDatabase.runner(db, BackfillOptions(onMissingToken: .fail)).up()
                XCTFail("up went ahead with legacy words that have no token row")
            } catch let error as MigratorError {
                XCTAssertEqual(error.sqlState, "23503")
                XCTAssertTrue(error.message.contains("have no coordizer_vocabulary row"), error.description)
                XCTAssertTrue(error.detail?.contains("absent_") == true, error.description)
            }
            let columns = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM information_schema.columns WHERE table_name = 'coordizer_vocabulary' AND column_name = 'active'
                """)
            XCTAssertEqual(columns, 0, "nothing was changed")
            // With every word present, fail mode goes through.
            try await db.execute("""
                INSERT INTO coordizer_vocabulary (token) SELECT word FROM (SELECT word FROM god_vocabulary_profiles
                UNION SELECT word FROM basin_relationships) w ON CONFLICT (token) DO NOTHING
                """)
            let summary = try await TestDatabase.runner(db, BackfillOptions(onMissingToken: .fail)).up()
            XCTAssertEqual(summary?.tokensCreated, 0)
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
        }
    }
}
