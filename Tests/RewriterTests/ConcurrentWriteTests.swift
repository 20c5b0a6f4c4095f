import Foundation
import Rewriter
import XCTest

/// Two sessions racing on the same legacy row, on fresh copies of the legacy and the folded
/// database: session A writes inside a transaction, session B's write is started and must wait
/// for A (checked with `pg_blocking_pids`), A commits, B finishes and commits. The legacy tables
/// and the rewritten statements must give the same outcomes (SQLSTATE or command tag of each
/// write) and the same tables afterwards (read back through the rewriter, and the containers
/// against the migration's fold of the legacy tables).
final class ConcurrentWriteTests: XCTestCase {
    private var rewriter: Rewriter!
    private var admin: Psql!

    private static let legacyCopy = "pgcutover_race_legacy"
    private static let migratedCopy = "pgcutover_race_migrated"

    override func setUpWithError() throws {
        _ = try DifferentialDatabases.shared.get()
        guard let url = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_DATABASE_URL"], !url.isEmpty else {
            throw DifferentialDatabases.MissingServer()
        }
        admin = Psql(url: url)
        rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
    }

    struct Race {
        let name: String
        let a: String
        let b: String
        /// The legacy outcomes: a command tag or `ERROR <sqlstate>`.
        let expectA: String
        let expectB: String
        /// Whether the legacy B waits for A (the rewritten B always does: it locks the token row).
        var legacyBlocks = true
        /// A documented difference: the rewritten B fails with this outcome, and the tables are
        /// then those of the legacy database after A alone.
        var rewrittenB: String?
    }

    private static let gvp = "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used)"
    private static let br = "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, updated_at)"
    private static let gvpUpsert = "INSERT INTO god_vocabulary_profiles AS g (god_name, word, relevance_score, usage_count, last_used)"
    private static let addUsage = "ON CONFLICT (god_name, word) DO UPDATE SET usage_count = g.usage_count + EXCLUDED.usage_count"

    static let races: [Race] = [
        Race(name: "insert the same new key, existing token",
             a: "\(gvp) VALUES ('hera', 'w001', 0.5, 1, '2026-02-01')",
             b: "\(gvp) VALUES ('hera', 'w001', 0.75, 2, '2026-02-02')",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "insert the same new key, new word",
             a: "\(gvp) VALUES ('hera', 'brand new', 0.5, 1, '2026-02-01')",
             b: "\(gvp) VALUES ('hera', 'brand new', 0.75, 2, '2026-02-02')",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "insert the same new pair, token without relationships",
             a: "\(br) VALUES ('w100', 'w001', 2, '2026-02-01')",
             b: "\(br) VALUES ('w100', 'w001', 3, '2026-02-02')",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "insert the same new pair, new word",
             a: "\(br) VALUES ('brand new', 'w001', 2, '2026-02-01')",
             b: "\(br) VALUES ('brand new', 'w001', 3, '2026-02-02')",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "two writers create the token row of a new word, different keys",
             a: "\(gvp) VALUES ('zeus', 'brand new', 0.5, 1, '2026-02-01')",
             b: "\(gvp) VALUES ('athena', 'brand new', 0.75, 2, '2026-02-02')",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1", legacyBlocks: false),
        Race(name: "update vs update of the same row",
             a: "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1 WHERE god_name = 'zeus' AND word = 'w001'",
             b: "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 10 WHERE god_name = 'zeus' AND word = 'w001'",
             expectA: "UPDATE 1", expectB: "UPDATE 1"),
        Race(name: "update vs update of the same relationship",
             a: "UPDATE basin_relationships SET cooccurrence_count = cooccurrence_count + 1 WHERE word = 'w001' AND neighbor = 'w002'",
             b: "UPDATE basin_relationships SET cooccurrence_count = cooccurrence_count + 10 WHERE word = 'w001' AND neighbor = 'w002'",
             expectA: "UPDATE 1", expectB: "UPDATE 1"),
        Race(name: "update re-evaluates its WHERE on the committed row",
             a: "UPDATE god_vocabulary_profiles SET usage_count = 100 WHERE god_name = 'zeus' AND word = 'w001'",
             b: "UPDATE god_vocabulary_profiles SET relevance_score = 0 WHERE word = 'w001' AND usage_count < 50",
             expectA: "UPDATE 1", expectB: "UPDATE 2"),
        Race(name: "delete vs update",
             a: "DELETE FROM god_vocabulary_profiles WHERE god_name = 'zeus' AND word = 'w001'",
             b: "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1 WHERE god_name = 'zeus' AND word = 'w001'",
             expectA: "DELETE 1", expectB: "UPDATE 0"),
        Race(name: "update vs delete that re-evaluates",
             a: "UPDATE god_vocabulary_profiles SET usage_count = 100 WHERE god_name = 'zeus' AND word = 'w001'",
             b: "DELETE FROM god_vocabulary_profiles WHERE word = 'w001' AND usage_count < 50",
             expectA: "UPDATE 1", expectB: "DELETE 2"),
        Race(name: "delete vs insert of the same key",
             a: "DELETE FROM god_vocabulary_profiles WHERE god_name = 'zeus' AND word = 'w001'",
             b: "\(gvp) VALUES ('zeus', 'w001', 0.75, 2, '2026-02-02')",
             expectA: "DELETE 1", expectB: "INSERT 0 1"),
        Race(name: "delete vs delete",
             a: "DELETE FROM basin_relationships WHERE word = 'w001' AND neighbor = 'w002'",
             b: "DELETE FROM basin_relationships WHERE word = 'w001' AND neighbor = 'w002'",
             expectA: "DELETE 1", expectB: "DELETE 0"),
        Race(name: "insert vs update moving another row onto that key",
             a: "\(gvp) VALUES ('hera', 'w002', 0.5, 1, '2026-02-01')",
             b: "UPDATE god_vocabulary_profiles SET god_name = 'hera', word = 'w002' WHERE god_name = 'zeus' AND word = 'w001'",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "insert of a new word vs update moving another row onto that key",
             a: "\(gvp) VALUES ('hera', 'brand new', 0.5, 1, '2026-02-01')",
             b: "UPDATE god_vocabulary_profiles SET god_name = 'hera', word = 'brand new' WHERE god_name = 'zeus' AND word = 'w001'",
             expectA: "INSERT 0 1", expectB: "ERROR 23505"),
        Race(name: "upsert vs upsert of an existing key",
             a: "\(gvpUpsert) VALUES ('zeus', 'w001', 0.5, 1, '2026-02-01') \(addUsage)",
             b: "\(gvpUpsert) VALUES ('zeus', 'w001', 0.75, 10, '2026-02-02') \(addUsage)",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1"),
        Race(name: "upsert vs upsert of a new key, existing token",
             a: "\(gvpUpsert) VALUES ('hera', 'w001', 0.5, 1, '2026-02-01') \(addUsage)",
             b: "\(gvpUpsert) VALUES ('hera', 'w001', 0.75, 10, '2026-02-02') \(addUsage)",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1"),
        Race(name: "upsert vs upsert of a new relationship",
             a: "\(br) VALUES ('w001', 'w100', 2, '2026-02-01') ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = basin_relationships.cooccurrence_count + EXCLUDED.cooccurrence_count",
             b: "\(br) VALUES ('w001', 'w100', 3, '2026-02-02') ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = basin_relationships.cooccurrence_count + EXCLUDED.cooccurrence_count",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1"),
        Race(name: "do nothing vs do nothing of a new key",
             a: "\(gvp) VALUES ('hera', 'w001', 0.5, 1, '2026-02-01') ON CONFLICT DO NOTHING",
             b: "\(gvp) VALUES ('hera', 'w001', 0.75, 2, '2026-02-02') ON CONFLICT DO NOTHING",
             expectA: "INSERT 0 1", expectB: "INSERT 0 0"),
        Race(name: "upsert vs upsert of a new key of a new word (documented difference)",
             a: "\(gvpUpsert) VALUES ('hera', 'brand new', 0.5, 1, '2026-02-01') \(addUsage)",
             b: "\(gvpUpsert) VALUES ('hera', 'brand new', 0.75, 10, '2026-02-02') \(addUsage)",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1", rewrittenB: "ERROR 40001"),
        Race(name: "do nothing vs do nothing of a new word",
             a: "\(gvp) VALUES ('hera', 'brand new', 0.5, 1, '2026-02-01') ON CONFLICT DO NOTHING",
             b: "\(gvp) VALUES ('hera', 'brand new', 0.75, 2, '2026-02-02'), ('zeus', 'brand new', 0.25, 3, '2026-02-03') ON CONFLICT DO NOTHING",
             expectA: "INSERT 0 1", expectB: "INSERT 0 1"),
        Race(name: "do nothing with RETURNING vs insert of a new word",
             a: "\(br) VALUES ('brand new', 'w001', 2, '2026-02-01')",
             b: "\(br) VALUES ('brand new', 'w001', 3, '2026-02-02'), ('brand new', 'w002', 4, '2026-02-03') ON CONFLICT DO NOTHING RETURNING neighbor, cooccurrence_count",
             expectA: "INSERT 0 1", expectB: "w002|4\nINSERT 0 1"),
    ]

    func testRacesMatchTheLegacyTables() throws {
        for race in Self.races {
            let legacy = try run(race, rewritten: false)
            XCTAssertEqual(legacy.a, race.expectA, "\(race.name): legacy A")
            XCTAssertEqual(legacy.b, race.expectB, "\(race.name): legacy B")
            XCTAssertEqual(legacy.bBlocked, race.legacyBlocks, "\(race.name): legacy B waits for A")
            let migrated = try run(race, rewritten: true)
            XCTAssertEqual(migrated.a, legacy.a, "\(race.name): rewritten A")
            XCTAssertTrue(migrated.bBlocked, "\(race.name): rewritten B must wait for A")
            XCTAssertEqual(migrated.fold, migrated.tablesAsFold, "\(race.name): containers vs fold of the rebuilt rows")
            if let expected = race.rewrittenB {
                XCTAssertEqual(migrated.b, expected, "\(race.name): rewritten B")
                let aloneA = try run(race, rewritten: false, withB: false)
                XCTAssertEqual(migrated.tables, aloneA.tables, "\(race.name): tables after A alone")
                XCTAssertEqual(migrated.fold, aloneA.fold, "\(race.name): containers after A alone")
            } else {
                XCTAssertEqual(migrated.b, legacy.b, "\(race.name): rewritten B")
                XCTAssertEqual(migrated.tables, legacy.tables, "\(race.name): legacy tables afterwards")
                XCTAssertEqual(migrated.fold, legacy.fold, "\(race.name): containers vs the fold of the legacy tables")
            }
        }
    }

    /// N sessions each increment the same legacy row's usage_count M times through rewritten
    /// UPDATEs (autocommit): no increment may be lost.
    func testConcurrentIncrementsAreNotLost() throws {
        try stress(
            read: "SELECT usage_count FROM god_vocabulary_profiles WHERE god_name = 'zeus' AND word = 'w001'",
            write: "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1 WHERE god_name = 'zeus' AND word = 'w001'")
    }

    /// The same with upserts of a relationship that does not exist at first: the first one
    /// inserts it, every later one adds 1.
    func testConcurrentUpsertsAreNotLost() throws {
        try stress(
            read: "SELECT coalesce(sum(cooccurrence_count), 0)::integer FROM basin_relationships WHERE word = 'w001' AND neighbor = 'w100'",
            write: "\(Self.br) VALUES ('w001', 'w100', 1, '2026-02-01') ON CONFLICT (word, neighbor) DO UPDATE"
                + " SET cooccurrence_count = basin_relationships.cooccurrence_count + 1")
    }

    private func stress(read legacyRead: String, write: String, sessions: Int = 4, increments: Int = 25) throws {
        try copyDatabases()
        let database = admin.database(Self.migratedCopy)
        let read = try rewritten(legacyRead)
        let before = Int(try database.run(read + ";").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertGreaterThanOrEqual(before, 0)
        let update = try rewritten(write)
        let url = database.url
        let running = try (0..<sessions).map { index in
            let session = try PsqlSession(url: url, applicationName: "pgcutover_stress_\(index)")
            session.send(Array(repeating: update + ";", count: increments).joined(separator: "\n"))
            return session
        }
        for session in running {
            let output = try session.finish()
            XCTAssertNil(output.sqlState, output.stderr)
            XCTAssertEqual(output.stdout.split(separator: "\n"), Array(repeating: "1", count: increments))
        }
        let after = Int(try database.run(read + ";").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertEqual(after, before + sessions * increments)
    }

    // MARK: Running a race

    struct Outcome {
        var a = ""
        var b = ""
        var bBlocked = false
        var tables: [[String]] = []
        var fold: [String] = []
        var tablesAsFold: [String] = []
    }

    private func run(_ race: Race, rewritten: Bool, withB: Bool = true) throws -> Outcome {
        try copyDatabases()
        let name = rewritten ? Self.migratedCopy : Self.legacyCopy
        let database = admin.database(name)
        let monitor = SessionMonitor(admin: admin, database: name)
        var outcome = Outcome()
        let a = try PsqlSession(url: database.url, applicationName: "pgcutover_race_a")
        // `\;` sends BEGIN and the write in one message, so "idle in transaction" means done.
        a.send("BEGIN \\; \(try statement(race.a, rewritten: rewritten));")
        XCTAssertEqual(try monitor.wait(for: a.applicationName), .idleInTransaction)
        var b: PsqlSession?
        if withB {
            let session = try PsqlSession(url: database.url, applicationName: "pgcutover_race_b")
            session.send("BEGIN \\; \(try statement(race.b, rewritten: rewritten));")
            outcome.bBlocked = try monitor.wait(for: session.applicationName, blockedBy: a.applicationName) == .blocked
            b = session
        }
        a.send("COMMIT;")
        outcome.a = try result(of: try a.finish(), sql: race.a, rewritten: rewritten)
        if let b {
            XCTAssertEqual(try monitor.wait(for: b.applicationName), .idleInTransaction)
            b.send("COMMIT;")
            outcome.b = try result(of: try b.finish(), sql: race.b, rewritten: rewritten)
        }
        for table in ["god_vocabulary_profiles", "basin_relationships"] {
            let read = "SELECT * FROM \(table) ORDER BY id"
            let rows = try database.run((rewritten ? try self.rewritten(read) : read) + ";")
            outcome.tables.append(records(rows))
        }
        let fold = rewritten ? WriteDifferentialTests.migratedFold : WriteDifferentialTests.legacyFold
        outcome.fold = records(try database.run(fold + ";")).sorted()
        if rewritten {
            // The containers must also be exactly the fold of the rows they rebuild to.
            let asLegacy = WriteDifferentialTests.legacyFold
            outcome.tablesAsFold = records(try database.run(try self.rewritten(asLegacy) + ";")).sorted()
        }
        return outcome
    }

    private func records(_ output: String) -> [String] {
        var text = output
        if text.hasSuffix("\n") { text.removeLast() }
        return text.isEmpty ? [] : text.components(separatedBy: Psql.recordSeparator)
    }

    private func copyDatabases() throws {
        try admin.run(
            """
            DROP DATABASE IF EXISTS \(Self.legacyCopy) WITH (FORCE);
            DROP DATABASE IF EXISTS \(Self.migratedCopy) WITH (FORCE);
            CREATE DATABASE \(Self.legacyCopy) TEMPLATE pgcutover_rewriter_legacy;
            CREATE DATABASE \(Self.migratedCopy) TEMPLATE pgcutover_rewriter_migrated;
            """)
    }

    private func statement(_ sql: String, rewritten: Bool) throws -> String {
        rewritten ? try self.rewritten(sql) : sql
    }

    private func rewritten(_ sql: String) throws -> String {
        guard case .rewritten(let text, _) = rewriter.rewrite(sql) else { throw NotRewritten(sql: sql) }
        return text
    }

    private struct NotRewritten: Error { let sql: String }

    /// The write's outcome as the legacy client sees it: `ERROR <sqlstate>` or the command tag
    /// (for a rewritten write, made from its count row by the statement's tag rule).
    private func result(of output: PsqlSession.Output, sql: String, rewritten: Bool) throws -> String {
        if let state = output.sqlState { return "ERROR \(state)" }
        var lines = output.stdout.split(separator: "\n").map(String.init)
        guard lines.first == "BEGIN", lines.last == "COMMIT" else { return "unexpected output: \(output.stdout)" }
        lines.removeFirst()
        lines.removeLast()
        guard rewritten else { return lines.joined(separator: "\n") }
        guard case .rewritten(_, let statements) = rewriter.rewrite(sql) else { return "not rewritten" }
        switch statements.first?.commandTag {
        case .countFromResult(let verb)?:
            guard lines.count == 1, let count = Int(lines[0]) else { break }
            return verb.tag(count: count)
        case .renameSelect(let verb)?:
            return (lines + [verb.tag(count: lines.count)]).joined(separator: "\n")
        default:
            break
        }
        return "unexpected output: \(output.stdout)"
    }
}
