import Migrator
import PostgresNIO
import Synchronization

/// A legacy client writing `god_vocabulary_profiles` and `basin_relationships` on its own connection
/// while a migration runs: inserts, updates, deletes and word moves on both tables, on words that have
/// a token row and on new words that have none, one statement per transaction.
final class LegacyWriter: Sendable {
    enum Mode: Sendable {
        /// No `pgcutover.sync`: only the backfill's change log covers these writes. Each write first
        /// takes its table's ROW EXCLUSIVE lock (which the log's DROP TRIGGER waits for) and counts the
        /// log's triggers; once all eight (four per legacy table) were there and some are gone, the
        /// removal has begun and the writer stops. So it writes exactly while `up` promises to catch
        /// legacy writes up: before the log is complete (the batches, which start after it, see those)
        /// and while it exists.
        case untilChangeLogRemoved
        /// `pgcutover.sync` forward (0030's dual-write): writes until told to stop, also after `up` returns.
        case synced
    }

    struct Stats: Sendable {
        var writes = 0
        /// Writes made while the change log's triggers were on the written table.
        var writesWhileLogged = 0
        var deadlockRetries = 0
        /// True when an `untilChangeLogRemoved` writer stopped because the log's triggers went.
        var stoppedByLogRemoval = false
    }

    let index: Int
    let mode: Mode
    let settings: ConnectionSettings
    private let stats = Mutex(Stats())
    private let stopRequested = Mutex(Stop.none)

    private enum Stop { case none, asked, now }

    init(index: Int, mode: Mode, settings: ConnectionSettings) {
        self.index = index
        self.mode = mode
        self.settings = settings
    }

    var current: Stats { stats.withLock { $0 } }
    /// A synced writer stops at once; an `untilChangeLogRemoved` one that saw the log goes on to its
    /// next write, which finds the log gone (or, if the log is still there, keeps writing until it
    /// goes), so a slow writer still ends by the log's removal.
    /// Runs `writers` on their own tasks around `body`: they start before it, stop (`stop()`) after
    /// it, and their stats come back with its result. If `body` throws, they are aborted first.
    static func writing<T: Sendable>(
        _ writers: [LegacyWriter], around body: () async throws -> T
    ) async throws -> (result: T, stats: [Stats]) {
        let tasks = writers.map { writer in Task { try await writer.run() } }
        let result: T
        do {
            result = try await body()
        } catch {
            writers.forEach { $0.abort() }
            for task in tasks { _ = try? await task.value }
            throw error
        }
        writers.forEach { $0.stop() }
        var stats: [Stats] = []
        for task in tasks { stats.append(try await task.value) }
        return (result, stats)
    }

    func stop() { stopRequested.withLock { $0 = .asked } }
    /// Stops at once whatever the mode (a test that failed).
    func abort() { stopRequested.withLock { $0 = .now } }

    private struct LogRemoved: Error {}

    /// Writes until stopped (or, `untilChangeLogRemoved`, until the log is gone); returns what it did.
    func run() async throws -> Stats {
        let db = try await Database.connect(settings)
        do {
            if case .synced = mode {
                try await db.execute("SET pgcutover.sync = 'god_vocabulary_profiles=forward,basin_relationships=forward'")
            }
            var rng = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9 &+ 17)
            var seenLog = false
            var n = 0
            loop: while true {
                switch stopRequested.withLock({ $0 }) {
                case .none: break
                case .now: break loop
                case .asked:
                    if case .synced = mode { break loop }
                    if !seenLog { break loop }
                }
                n += 1
                let (table, sql) = Self.write(kind: Int(rng.below(9)), tag: "w\(index)-\(n)", newWord: "w\(index)-\(n / 8)")
                do {
                    let logged = try await db.transaction { () -> Bool in
                        var logged = false
                        if case .untilChangeLogRemoved = mode {
                            try await db.execute("LOCK TABLE \(table) IN ROW EXCLUSIVE MODE")
                            for try await (onTable, all) in try await db.query(PostgresQuery(unsafeSQL: """
                                SELECT count(*) FILTER (WHERE tgrelid = '\(table)'::regclass)::int8, count(*)::int8 FROM pg_trigger
                                WHERE tgname LIKE 'pgcutover\\_backfill\\_log\\_%'
                                """)).decode((Int, Int).self) {
                                if all == 8 {
                                    seenLog = true
                                } else if seenLog {
                                    throw LogRemoved()
                                }
                                logged = onTable == 4
                            }
                        }
                        try await db.execute(sql)
                        return logged
                    }
                    stats.withLock {
                        $0.writes += 1
                        if logged { $0.writesWhileLogged += 1 }
                    }
                } catch is LogRemoved {
                    stats.withLock { $0.stoppedByLogRemoval = true }
                    break loop
                } catch let error as PSQLError where ["40P01", "40001"].contains(error.serverInfo?[.sqlState]) {
                    stats.withLock { $0.deadlockRetries += 1 }
                }
            }
        } catch {
            await db.close()
            throw error
        }
        await db.close()
        return current
    }

    /// A random existing row's id (NULL when the table is empty: the statement then does nothing).
    private static func randomID(_ table: String) -> String {
        """
        (SELECT id FROM \(table) WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::int FROM \(table))
         ORDER BY id LIMIT 1)
        """
    }

    private static let randomToken = """
        (SELECT token FROM coordizer_vocabulary
         WHERE id >= (SELECT min(id) + floor(random() * (max(id) - min(id) + 1))::int FROM coordizer_vocabulary)
         ORDER BY id LIMIT 1)
        """

    /// One write of kind 0...8. `tag` makes unique keys unique; `newWord` names a word with no token
    /// row, shared by several consecutive writes so a new word gets rows in more than one statement.
    static func write(kind: Int, tag: String, newWord: String) -> (table: String, sql: String) {
        switch kind {
        case 0:
            return ("basin_relationships", """
                INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, strength, contexts)
                SELECT \(randomToken), 'nb-\(tag)', 2, NULL, ARRAY['it''s "live"', E'back\\\\slash']
                """)
        case 1:
            return ("basin_relationships", """
                INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, avg_phi)
                VALUES ('new-rel-word-\(newWord)', 'nb-\(tag)', 1.5, NULL)
                """)
        case 2:
            return ("basin_relationships", """
                UPDATE basin_relationships SET strength = random()::real, avg_phi = NULL, contexts = ARRAY['\(tag)'],
                    updated_at = now()
                WHERE id = \(randomID("basin_relationships"))
                """)
        case 3:
            return ("basin_relationships", "DELETE FROM basin_relationships WHERE id = \(randomID("basin_relationships"))")
        case 4:
            // Moves a row to another word (both tokens' JSON change).
            return ("basin_relationships", """
                UPDATE basin_relationships SET word = \(randomToken), neighbor = neighbor || '-moved-\(tag)'
                WHERE id = \(randomID("basin_relationships"))
                """)
        case 5:
            return ("god_vocabulary_profiles", """
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, learned_from_phi)
                SELECT 'god-\(tag)', \(randomToken), 0.5, NULL
                """)
        case 6:
            return ("god_vocabulary_profiles", """
                INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, basin_distance)
                VALUES ('god-\(tag)', 'new-god-word-\(newWord)', 0.25, NULL)
                """)
        case 7:
            return ("god_vocabulary_profiles", """
                UPDATE god_vocabulary_profiles SET relevance_score = random()::real, usage_count = usage_count + 1,
                    basin_distance = NULL
                WHERE id = \(randomID("god_vocabulary_profiles"))
                """)
        default:
            return ("god_vocabulary_profiles",
                    "DELETE FROM god_vocabulary_profiles WHERE id = \(randomID("god_vocabulary_profiles"))")
        }
    }
}
