import Migrator
import PostgresNIO
import XCTest

final class OnlineDDLTests: XCTestCase {
    /// A long transaction holds a lock on coordizer_vocabulary; the ALTER TABLE must not sit in the lock
    /// queue (where every writer would wait behind it) but give up after lock_timeout and retry.
    func testDDLRetriesInsteadOfQueueingBehindALongTransaction() async throws {
        let server = try TestDatabase.serverSettings()
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            let holder = try await Database.connect(server.with(database: db.settings.database))
            let writer = try await Database.connect(server.with(database: db.settings.database))
            try await holder.execute("BEGIN")
            try await holder.execute("SELECT count(*) FROM coordizer_vocabulary")  // ACCESS SHARE until COMMIT
            let runner = MigrationRunner(
                database: db,
                settings: .init(migrationsDirectory: TestDatabase.migrationsDirectory, lockTimeoutMilliseconds: 150,
                                lockRetries: 50),
                report: { _ in })
            let up = Task { try await runner.up() }
            try await Task.sleep(for: .milliseconds(100))
            // Writers keep going while the DDL waits; none waits longer than about one lock_timeout.
            var longest = Duration.zero
            let deadline = ContinuousClock.now + .milliseconds(1500)
            while ContinuousClock.now < deadline {
                let start = ContinuousClock.now
                try await writer.execute("UPDATE coordizer_vocabulary SET frequency = frequency + 1 WHERE id = 1")
                longest = max(longest, start.duration(to: .now))
            }
            try await holder.execute("COMMIT")
            let summary = try await up.value
            XCTAssertNotNil(summary)
            XCTAssertLessThan(longest, .milliseconds(1000), "a writer queued behind the DDL for \(longest)")
            let report = try await Verifier(database: db).run()
            XCTAssertTrue(report.isClean, report.text)
            await holder.close()
            await writer.close()
        }
    }

    func testDownRefusesWhenNewColumnsHoldData() async throws {
        try await TestDatabase.with { db in
            try await TestDatabase.loadDemo(db, scale: 0.01)
            _ = try await TestDatabase.runner(db).up()
            try await db.execute("UPDATE coordizer_vocabulary SET phi_gain = 0.7 WHERE id = 1")
            do {
                _ = try await TestDatabase.runner(db).down()
                XCTFail("down dropped phi_gain data that exists nowhere else")
            } catch let error as MigratorError {
                XCTAssertTrue(error.detail?.contains("phi_gain") == true, error.description)
            }
            try await db.execute("UPDATE coordizer_vocabulary SET phi_gain = NULL WHERE id = 1")
            _ = try await TestDatabase.runner(db).down()
        }
    }
}
