import Foundation
import Logging
import Migrator
import MetricsTestKit
import NIOCore
import NIOPosix
import PostgresNIO
import Proxy
import Rewriter
import XCTest

/// The shadow comparer against a real server: a database with the demo legacy rows, migrated so
/// the folds hold the same rows, then read honestly, then with one folded value corrupted.
/// Needs PGCUTOVER_TEST_DATABASE_URL (scripts/test.sh sets it) and fails without it.
final class ShadowComparerTests: XCTestCase {
    private let logger = Logger(label: "shadow-test")
    private let metrics = TestMetrics()

    /// How many verdicts of each kind the comparers of this test counted.
    private func counted(_ verdict: String) -> Int64 {
        (try? metrics.expectCounter("pgcutover_shadow_comparisons_total", [("verdict", verdict)]).totalValue) ?? 0
    }

    func testHonestReadsMatchWithTextBinaryAndArrayParameters() async throws {
        try await MigratedDemoDatabase.with { db in
            let word = try await db.string(
                "SELECT word FROM god_vocabulary_profiles GROUP BY word ORDER BY count(*) DESC, word LIMIT 1")
            let id = try await db.int("SELECT min(id) FROM god_vocabulary_profiles")
            let words = try await db.string(
                "SELECT '{' || string_agg(word, ',') || '}' FROM (SELECT DISTINCT word FROM basin_relationships ORDER BY word LIMIT 3) w")
            var idBytes = ByteBuffer()
            idBytes.writeInteger(Int32(id))
            // int4[] in the binary array format: dimensions, null flag, element type, length and
            // lower bound, then each element with its length.
            var idArray = ByteBuffer()
            idArray.writeInteger(Int32(1)); idArray.writeInteger(Int32(0)); idArray.writeInteger(UInt32(23))
            idArray.writeInteger(Int32(3)); idArray.writeInteger(Int32(1))
            for element in [id, id + 1, id + 2] { idArray.writeInteger(Int32(4)); idArray.writeInteger(Int32(element)) }
            let inputs = [
                ShadowInput(sql: "SELECT god_name, word, relevance_score, last_used FROM god_vocabulary_profiles"),
                ShadowInput(sql: "SELECT * FROM basin_relationships ORDER BY id DESC;"),
                ShadowInput(
                    sql: "SELECT god_name, relevance_score FROM god_vocabulary_profiles WHERE word = $1 ORDER BY god_name",
                    parameterTypes: [0], parameterFormats: [0], parameters: [ByteBuffer(string: word)]),
                ShadowInput(
                    sql: "SELECT word, god_name, basin_distance FROM god_vocabulary_profiles WHERE id = $1",
                    parameterTypes: [23], parameterFormats: [1], parameters: [idBytes]),
                ShadowInput(
                    sql: "SELECT word, neighbor, contexts FROM basin_relationships WHERE word = ANY($1) ORDER BY word, neighbor",
                    parameterTypes: [1009], parameterFormats: [0], parameters: [ByteBuffer(string: words)]),
                ShadowInput(
                    sql: "SELECT id, word, usage_count FROM god_vocabulary_profiles WHERE id = ANY($1)",
                    parameterTypes: [1007], parameterFormats: [1], parameters: [idArray]),
                ShadowInput(
                    sql: "SELECT count(*), $2::text FROM basin_relationships WHERE strength > $1",
                    parameterTypes: [700, 0], parameterFormats: [0, 0], parameters: [ByteBuffer(string: "0.5"), nil]),
            ]
            let verdicts = try await compare(inputs, in: db)
            XCTAssertEqual(verdicts.map(\.verdict), Array(repeating: "match", count: inputs.count), "\(verdicts)")
            // Matches of empty answers would prove nothing: each read returns rows.
            let profiles = try await db.int("SELECT count(*) FROM god_vocabulary_profiles WHERE word = '\(word)'")
            let byID = try await db.int("SELECT count(*) FROM god_vocabulary_profiles WHERE id = \(id)")
            let neighbors = try await db.int("SELECT count(*) FROM basin_relationships WHERE word = ANY('\(words)')")
            XCTAssertGreaterThan(profiles, 1)
            XCTAssertEqual(byID, 1)
            XCTAssertGreaterThan(neighbors, 3)
        }
    }

    func testOneCorruptedJSONValueIsAMismatchNamingTheRow() async throws {
        try await MigratedDemoDatabase.with { db in
            let id = try await db.int("SELECT max(id) FROM god_vocabulary_profiles")
            try await db.execute("""
                UPDATE coordizer_vocabulary c SET god_profile = jsonb_set(c.god_profile, ARRAY[g.god_name, 'relevance_score'], '12345.5')
                FROM god_vocabulary_profiles g WHERE g.id = \(id) AND c.token = g.word
                """)
            let total = try await db.int("SELECT count(*) FROM god_vocabulary_profiles")
            let legacy = try await db.string(
                "SELECT s::text FROM (SELECT id, god_name, word, relevance_score FROM god_vocabulary_profiles WHERE id = \(id)) s")
            let rewritten = try await db.string(
                "SELECT s::text FROM (SELECT id, god_name, word, 12345.5::real FROM god_vocabulary_profiles WHERE id = \(id)) s")
            XCTAssertNotEqual(legacy, rewritten)
            let sql = "SELECT id, god_name, word, relevance_score FROM god_vocabulary_profiles"
            let verdicts = try await compare([ShadowInput(sql: sql), ShadowInput(sql: sql + " ORDER BY id")], in: db)
            let expected = "legacy \(total) rows, rewritten \(total) rows; first differing row: legacy \(legacy) / rewritten \(rewritten)"
            XCTAssertEqual(verdicts.map(\.verdict), ["mismatch", "mismatch"])
            XCTAssertEqual(counted("mismatch"), 2)
            XCTAssertEqual(verdicts.map(\.summary), [expected, expected])
        }
    }

    func testAMissingFoldedRowShowsInTheCountsAndAsNoneOnTheRewrittenSide() async throws {
        try await MigratedDemoDatabase.with { db in
            let total = try await db.int("SELECT count(*) FROM basin_relationships")
            let id = try await db.int("SELECT min(id) FROM basin_relationships")
            try await db.execute("""
                UPDATE coordizer_vocabulary c SET relationships = (
                    SELECT jsonb_agg(e ORDER BY (e->>'id')::int) FROM jsonb_array_elements(c.relationships) e
                    WHERE (e->>'id')::int <> \(id))
                WHERE c.relationships @> '[{"id": \(id)}]'
                """)
            let legacy = try await db.string("SELECT s::text FROM (SELECT id, neighbor FROM basin_relationships WHERE id = \(id)) s")
            let next = try await db.string(
                "SELECT s::text FROM (SELECT id, neighbor FROM basin_relationships WHERE id > \(id) ORDER BY id LIMIT 1) s")
            let verdicts = try await compare([ShadowInput(sql: "SELECT id, neighbor FROM basin_relationships ORDER BY id")], in: db)
            XCTAssertEqual(verdicts.first?.verdict, "mismatch")
            XCTAssertEqual(verdicts.first?.summary,
                "legacy \(total) rows, rewritten \(total - 1) rows; first differing row: legacy \(legacy) / rewritten \(next)")
        }
    }

    /// Two folded elements trade ids: the same rows, in another order under ORDER BY id. Only the
    /// positional comparison may see it, and it must.
    func testOrderOnlyDifferenceIsAMismatchOnlyUnderOrderBy() async throws {
        try await MigratedDemoDatabase.with { db in
            let word = try await db.string(
                "SELECT word FROM basin_relationships GROUP BY word HAVING count(*) >= 2 ORDER BY word LIMIT 1")
            let first = try await db.int("SELECT min(id) FROM basin_relationships WHERE word = '\(word)'")
            let last = try await db.int("SELECT max(id) FROM basin_relationships WHERE word = '\(word)'")
            try await db.execute("""
                UPDATE coordizer_vocabulary c SET relationships = (
                    SELECT jsonb_agg(CASE (e->>'id')::int WHEN \(first) THEN jsonb_set(e, '{id}', '\(last)')
                                                         WHEN \(last) THEN jsonb_set(e, '{id}', '\(first)') ELSE e END
                                     ORDER BY n)
                    FROM jsonb_array_elements(c.relationships) WITH ORDINALITY AS x(e, n))
                WHERE c.token = '\(word)'
                """)
            let total = try await db.int("SELECT count(*) FROM basin_relationships")
            let legacy = try await db.string("SELECT s::text FROM (SELECT word, neighbor FROM basin_relationships WHERE id = \(first)) s")
            let rewritten = try await db.string("SELECT s::text FROM (SELECT word, neighbor FROM basin_relationships WHERE id = \(last)) s")
            let verdicts = try await compare(
                [ShadowInput(sql: "SELECT word, neighbor FROM basin_relationships"),
                 ShadowInput(sql: "SELECT word, neighbor FROM basin_relationships ORDER BY id")], in: db)
            XCTAssertEqual(verdicts.map(\.verdict), ["match", "mismatch"])
            XCTAssertEqual(verdicts.last?.summary,
                "legacy \(total) rows, rewritten \(total) rows; first differing row: legacy \(legacy) / rewritten \(rewritten)")
        }
    }

    func testRewrittenSideFailingIsAnErrorVerdict() async throws {
        try await MigratedDemoDatabase.with { db in
            try await db.execute("""
                UPDATE coordizer_vocabulary c SET god_profile = jsonb_set(c.god_profile, ARRAY[g.god_name, 'relevance_score'], '"not a number"')
                FROM god_vocabulary_profiles g WHERE g.id = (SELECT min(id) FROM god_vocabulary_profiles) AND c.token = g.word
                """)
            let verdicts = try await compare(
                [ShadowInput(sql: "SELECT id, relevance_score FROM god_vocabulary_profiles"),
                 ShadowInput(sql: "SELECT id, word FROM god_vocabulary_profiles")], in: db)
            XCTAssertEqual(verdicts.map(\.verdict), ["error", "match"])
            XCTAssertEqual([counted("error"), counted("match"), counted("mismatch")], [1, 1, 0])
            XCTAssertEqual(verdicts.first?.summary, "22P02: invalid input syntax for type real: \"not a number\"")
        }
    }

    /// statement_timeout_ms is set on the comparer's connections: a comparison stuck behind a
    /// lock becomes an error verdict instead of holding a connection.
    func testStatementTimeoutBoundsAComparison() async throws {
        try await MigratedDemoDatabase.with { db in
            let locker = try await Database.connect(db.settings)
            try await locker.execute("BEGIN")
            try await locker.execute("LOCK TABLE god_vocabulary_profiles IN ACCESS EXCLUSIVE MODE")
            var settings = ShadowSettings(user: db.settings.user, password: db.settings.password)
            settings.statementTimeoutMilliseconds = 300
            let started = ContinuousClock.now
            let verdicts = try await compare(
                [ShadowInput(sql: "SELECT word FROM god_vocabulary_profiles")], in: db, settings: settings)
            try await locker.execute("ROLLBACK")
            await locker.close()
            XCTAssertEqual(verdicts.first?.summary, "57014: canceling statement due to statement timeout")
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(4))
        }
    }

    func testQueueFullAndUncomparableStatementsAreSkipped() async throws {
        try await MigratedDemoDatabase.with { db in
            var settings = ShadowSettings(user: db.settings.user, password: db.settings.password)
            settings.queueCapacity = 1
            settings.maximumConcurrent = 1
            let verdicts = try await compare(
                [ShadowInput(sql: "SELECT word FROM god_vocabulary_profiles"),
                 ShadowInput(sql: "SELECT word FROM basin_relationships"),
                 ShadowInput(sql: "SELECT word FROM basin_relationships FOR UPDATE")],
                in: db, settings: settings, submitBeforeRunning: true)
            XCTAssertEqual(verdicts.map(\.verdict), ["match", "skipped", "skipped"])
            XCTAssertEqual(verdicts[1].summary, "shadow queue full (1 comparisons waiting or running)")
            XCTAssertEqual(counted("match"), 1)
            XCTAssertEqual(counted("skipped"), 2)

            let uncomparable = try await compare(
                [ShadowInput(sql: "SELECT word FROM basin_relationships FOR UPDATE"),
                 ShadowInput(sql: "DELETE FROM basin_relationships WHERE id = -1")], in: db)
            XCTAssertEqual(uncomparable.map(\.summary), [
                "not comparable: FOR UPDATE/SHARE takes row locks", "not comparable: not a read (delete)",
            ])
        }
    }

    func testCredentials() async throws {
        try await MigratedDemoDatabase.with { db in
            let read = [ShadowInput(sql: "SELECT god_name, word FROM god_vocabulary_profiles")]
            let none = try await compare(read, in: db, settings: nil)
            XCTAssertEqual(none.map(\.verdict), ["skipped"])
            XCTAssertEqual(none.first?.summary, "no shadow credentials: [cutover.shadow] is not configured")

            try await db.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO scramuser, md5user")
            for user in ["scramuser", "md5user"] {
                let verdicts = try await compare(read, in: db, settings: ShadowSettings(user: user, password: "secret"))
                XCTAssertEqual(verdicts.map(\.verdict), ["match"], user)
            }
            let wrong = try await compare(read, in: db, settings: ShadowSettings(user: "scramuser", password: "wrong"))
            XCTAssertEqual(wrong.map(\.verdict), ["error"])
            XCTAssertEqual(wrong.first?.summary, "28P01: password authentication failed for user \"scramuser\"")
        }
    }

    func testShutdownRecordsEveryComparisonItTook() async throws {
        try await MigratedDemoDatabase.with { db in
            let sink = MemoryAuditSink()
            let audit = AuditLog(sink: sink, logger: logger)
            let comparer = try makeComparer(db, settings: ShadowSettings(user: db.settings.user), audit: audit)
            for index in 0..<3 {
                comparer.submit(record: Self.record(index), input: ShadowInput(sql: "SELECT word FROM god_vocabulary_profiles"),
                                database: db.name)
            }
            comparer.shutdown()
            comparer.submit(record: Self.record(3), input: ShadowInput(sql: "SELECT word FROM god_vocabulary_profiles"),
                            database: db.name)
            await comparer.run()
            await audit.shutdown()
            let verdicts = try Self.verdicts(sink.lines)
            XCTAssertEqual(verdicts.map(\.summary), [
                "the proxy shut down before the comparison ran",
                "the proxy shut down before the comparison ran",
                "the proxy shut down before the comparison ran",
                "the proxy is shutting down",
            ])
            XCTAssertEqual(comparer.pending, 0)
        }
    }

    // MARK: Helpers

    struct Verdict: Equatable {
        var session: Int
        var verdict: String?
        var summary: String?
        var action: String?
    }

    private static func record(_ index: Int) -> AuditRecord {
        AuditRecord(time: Date(), sessionID: UInt64(index), clientAddress: "127.0.0.1", tables: [], mode: .shadow,
                    action: .passed, kind: .select)
    }

    private func makeComparer(_ db: MigratedDemoDatabase, settings: ShadowSettings?, audit: AuditLog) throws -> ShadowComparer {
        let upstream = UpstreamEndpoint(
            address: HostPort(host: db.settings.host, port: db.settings.port), sslMode: .disable, tlsContext: nil,
            serverName: nil, connectTimeoutSeconds: 5)
        return ShadowComparer(
            settings: settings, rewriter: Rewriter(mapping: try Rewriter.loadMapping(path: MigratedDemoDatabase.mappingPath)),
            upstream: upstream, audit: audit, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger,
            countVerdict: { [metrics] in ShadowComparer.countInMetrics($0, factory: metrics) })
    }

    /// Runs `inputs` as the test server's own user.
    private func compare(_ inputs: [ShadowInput], in db: MigratedDemoDatabase) async throws -> [Verdict] {
        try await compare(inputs, in: db, settings: ShadowSettings(user: db.settings.user, password: db.settings.password))
    }

    /// Runs `inputs` through a comparer (as sessions 0, 1, …) and returns the verdicts by session.
    private func compare(
        _ inputs: [ShadowInput], in db: MigratedDemoDatabase, settings: ShadowSettings?, submitBeforeRunning: Bool = false
    ) async throws -> [Verdict] {
        let sink = MemoryAuditSink()
        let audit = AuditLog(sink: sink, logger: logger)
        let comparer = try makeComparer(db, settings: settings, audit: audit)
        var running: Task<Void, Never>?
        if !submitBeforeRunning { running = Task { await comparer.run() } }
        for (index, input) in inputs.enumerated() {
            comparer.submit(record: Self.record(index), input: input, database: db.name)
        }
        if submitBeforeRunning { running = Task { await comparer.run() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while comparer.pending > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(comparer.pending, 0, "comparisons still running after a minute")
        comparer.shutdown()
        await running?.value
        await audit.shutdown()
        let verdicts = try Self.verdicts(sink.lines)
        XCTAssertEqual(verdicts.map(\.session), Array(inputs.indices))
        XCTAssertTrue(verdicts.allSatisfy { $0.action == "shadowed" })
        return verdicts
    }

    private static func verdicts(_ lines: [String]) throws -> [Verdict] {
        try lines.map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return Verdict(
                session: try XCTUnwrap(object["session_id"] as? Int), verdict: object["shadow_verdict"] as? String,
                summary: object["shadow_summary"] as? String, action: object["action"] as? String)
        }.sorted { $0.session < $1.session }
    }
}
