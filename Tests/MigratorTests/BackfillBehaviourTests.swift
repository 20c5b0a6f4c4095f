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

    /// The runbook under load, and `verify` on exactly what `up` leaves (no `--repair` in between).
    /// 0020's columns and 0030's triggers first (`up --max-batches 0`), then `up` while five clients
    /// write the legacy tables on their own connections (`LegacyWriter`: inserts, updates, deletes and
    /// word moves on both tables, words with and without a token row). Three write without dual-write,
    /// covered only by the change log: they write until `up` drops the log's triggers, the end of what
    /// `up` promises to catch up. Two write with 0030's forward sync and keep writing after `up`
    /// returns. Then the writers stop and `verify` must be clean.
    func testConcurrentLegacyWritesAreNotLost() async throws {
        let server = try TestDatabase.serverSettings()
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.05, seed: 5)
            _ = try await TestDatabase.runner(db, BackfillOptions(maxBatches: 0)).up()
            let settings = server.with(database: db.settings.database)
            let writers = (0..<5).map {
                LegacyWriter(index: $0, mode: $0 < 3 ? .untilChangeLogRemoved : .synced, settings: settings)
            }
            let ((summary, syncedAtReturn), stats) = try await LegacyWriter.writing(writers) {
                try await Task.sleep(for: .milliseconds(200))
                let summary = try await TestDatabase.runner(db, BackfillOptions(batchSize: 10, catchUpPasses: 3, jobs: 2)).up()
                let syncedAtReturn = writers.dropFirst(3).reduce(0) { $0 + $1.current.writes }
                try await Task.sleep(for: .milliseconds(300))
                return (summary, syncedAtReturn)
            }
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)

            XCTAssertEqual(summary?.interrupted, false)
            for plain in stats.prefix(3) {
                XCTAssertTrue(plain.stoppedByLogRemoval, "a plain writer wrote until up removed the change log: \(plain)")
                XCTAssertGreaterThan(plain.writesWhileLogged, 20, "\(plain)")
            }
            XCTAssertGreaterThan(stats.dropFirst(3).reduce(0) { $0 + $1.writes }, syncedAtReturn,
                                 "dual-written writes also landed after up returned")
            XCTAssertGreaterThan(summary?.catchUpRows ?? 0, 0, "some writes landed behind the main pass and were caught up")
            let leftovers = try await TestDatabase.int(db, ChangeLogCatchUpTests.logObjects)
            XCTAssertEqual(leftovers, 0)
            let newWords = try await TestDatabase.int(db, """
                SELECT count(DISTINCT word)::int8 FROM (SELECT word FROM basin_relationships UNION ALL SELECT word FROM god_vocabulary_profiles) w
                WHERE word LIKE 'new-%'
                """)
            let inactive = try await TestDatabase.int(db, """
                SELECT count(*)::int8 FROM coordizer_vocabulary WHERE token LIKE 'new-%' AND active = false
                  AND (god_profile IS NOT NULL OR relationships IS NOT NULL)
                """)
            XCTAssertGreaterThan(newWords, 0)
            XCTAssertEqual(inactive, newWords, "every new legacy word has its inactive token row with its data")
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
