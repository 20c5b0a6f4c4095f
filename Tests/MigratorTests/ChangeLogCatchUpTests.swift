@testable import Migrator
import PostgresNIO
import XCTest

/// The catch-up recomputes the tokens the change log names, not every token.
final class ChangeLogCatchUpTests: XCTestCase {
    /// What a backfill run sets up and must take down again: the change log, and the raised pending-list
    /// limit of the GIN indexes.
    static let logObjects = """
        SELECT (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pgcutover\\_backfill\\_log\\_%')
             + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'pgcutover\\_backfill\\_log\\_%')
             + (CASE WHEN to_regclass('pgcutover_backfill_changes') IS NULL THEN 0 ELSE 1 END)
             + (\(ginLimits))
        """
    static let ginLimits = """
        SELECT count(*) FROM pg_class WHERE EXISTS (SELECT 1 FROM unnest(reloptions) o WHERE o LIKE 'gin\\_pending\\_list\\_limit=%')
        """

    func testWritesBehindTheMainPassAreCaughtUpFromTheLog() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 4)
            let first = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, maxBatches: 3, jobs: 1)).up()
            XCTAssertEqual(first?.interrupted, true)
            let limits = try await TestDatabase.int(db, Self.ginLimits)
            XCTAssertEqual(limits, 0, "an interrupted run resets the GIN indexes' pending-list limit")
            // Three writes behind the batches already done (plain writers: no dual-write), and one to a
            // word that has no token row yet.
            let done = try await TestDatabase.string(db, """
                SELECT string_agg(token, '|' ORDER BY id) FROM (
                    SELECT id, token FROM coordizer_vocabulary WHERE relationships IS NOT NULL ORDER BY id LIMIT 3) t
                """).split(separator: "|").map(String.init)
            XCTAssertEqual(done.count, 3)
            try await db.execute("""
                INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES ('\(done[0])', 'written-behind', 2)
                """)
            try await db.execute("DELETE FROM basin_relationships WHERE id = (SELECT min(id) FROM basin_relationships WHERE word = '\(done[1])')")
            try await db.execute("""
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('athena', 'logged-new-word', 0.5)
                """)
            let logged = try await TestDatabase.string(db, "SELECT string_agg(DISTINCT word, '|' ORDER BY word) FROM pgcutover_backfill_changes")
            XCTAssertEqual(logged, [done[0], done[1], "logged-new-word"].sorted().joined(separator: "|"))
            // A change the log cannot see (the JSON edited directly): only a full comparison finds it.
            try await db.execute("UPDATE coordizer_vocabulary SET relationships = NULL WHERE token = '\(done[2])'")

            let second = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, jobs: 1)).up()
            XCTAssertEqual(second?.interrupted, false)
            XCTAssertEqual(second?.catchUpRows, 3, "the two written tokens and the new word's token, nothing else")
            XCTAssertEqual(second?.catchUpPasses, 1)
            let objects = try await TestDatabase.int(db, Self.logObjects)
            XCTAssertEqual(objects, 0, "the change log is removed with the catch-up")
            let report = try await Verifier(database: db).run()
            XCTAssertFalse(report.isClean, "the unlogged edit is still there")
            let unlogged = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM basin_relationships WHERE word = '\(done[2])'")
            XCTAssertEqual(report.tables[1].missing, unlogged)

            let repaired = try await TestDatabase.runner(db, BackfillOptions(repair: true)).up()
            XCTAssertEqual(repaired?.catchUpRows, 1, "--repair compares every token")
            let clean = try await Verifier(database: db).run()
            XCTAssertTrue(clean.isClean, clean.text)
            let after = try await TestDatabase.int(db, Self.logObjects)
            XCTAssertEqual(after, 0)
        }
    }

    /// The catch-up under load: a main pass stopped halfway, then three writers without dual-write
    /// (`LegacyWriter`, change log only) write both legacy tables on their own connections, behind the
    /// batches, ahead of them, and on new words, while `up` finishes the main pass and runs its catch-up
    /// passes, until `up` drops the log's triggers. The passes rarely find the log empty (the writers
    /// keep going), so the last recomputation after the drop usually has to cover what is left. Every
    /// write committed while the log existed is in the JSON when `up` returns.
    func testCatchUpUnderConcurrentWritersLosesNothing() async throws {
        let server = try TestDatabase.serverSettings()
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.03, seed: 6)
            let first = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, maxBatches: 6, jobs: 1)).up()
            XCTAssertEqual(first?.interrupted, true)
            let settings = server.with(database: db.settings.database)
            let writers = (0..<3).map { LegacyWriter(index: 10 + $0, mode: .untilChangeLogRemoved, settings: settings) }
            // Once `up` returns the log is gone: each writer stops at its next write.
            let (summary, stats) = try await LegacyWriter.writing(writers) {
                try await Task.sleep(for: .milliseconds(300))
                return try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, catchUpPasses: 2, jobs: 1)).up()
            }
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            for writer in stats {
                XCTAssertTrue(writer.stoppedByLogRemoval, "\(writer)")
                XCTAssertGreaterThan(writer.writesWhileLogged, 20, "\(writer)")
            }
            XCTAssertGreaterThan(summary?.catchUpPasses ?? 0, 0)
            XCTAssertGreaterThan(summary?.catchUpRows ?? 0, 0, "writes behind the batches were caught up")
            let objects = try await TestDatabase.int(db, Self.logObjects)
            XCTAssertEqual(objects, 0)
        }
    }

    /// A TRUNCATE leaves no rows to name words by: the log records "everything", and the catch-up
    /// compares every token.
    func testTruncateFallsBackToAFullComparison() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.02, seed: 8)
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, maxBatches: 2, jobs: 2)).up()
            try await db.execute("TRUNCATE god_vocabulary_profiles")
            let marker = try await TestDatabase.int(db, "SELECT count(*)::int8 FROM pgcutover_backfill_changes WHERE word IS NULL")
            XCTAssertEqual(marker, 1)
            _ = try await TestDatabase.runner(db, BackfillOptions(batchSize: 25, jobs: 2)).up()
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            XCTAssertEqual(report.tables[0].legacyRows, 0)
            let objects = try await TestDatabase.int(db, Self.logObjects)
            XCTAssertEqual(objects, 0)
        }
    }

    func testLanesCoverTheRangeInWholeBatches() {
        for (start, end, batch, lanes) in [(1, 16061, 500, 8), (5, 6, 500, 8), (1, 1, 10, 4), (3, 1000, 7, 3), (0, 100, 10, 40)] {
            let split = BackfillLane.split(start: start, end: end, batchSize: batch, lanes: lanes)
            XCTAssertLessThanOrEqual(split.count, lanes)
            XCTAssertEqual(split.map(\.index), Array(1...split.count))
            XCTAssertEqual(split.first?.next, start)
            XCTAssertEqual(split.last?.end, end)
            for (a, b) in zip(split, split.dropFirst()) { XCTAssertEqual(a.end, b.next) }
            for lane in split.dropLast() { XCTAssertEqual((lane.end - lane.next) % batch, 0, "\(split)") }
        }
    }
}
