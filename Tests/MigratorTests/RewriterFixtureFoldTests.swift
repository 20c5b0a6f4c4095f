import Foundation
import Migrator
import PostgresNIO
import XCTest

/// The rewriter's differential suites run on a database folded by a short SQL file
/// (`Tests/RewriterTests/Fixtures/migrated.txt`), not by `migrate up`, so that they build in a second.
/// That is only sound while both folds write the same thing: this loads the rewriter's legacy
/// fixture into two copies, folds one each way, and compares every coordizer_vocabulary row.
final class RewriterFixtureFoldTests: XCTestCase {
    private static let fixtures = TestDatabase.packageRoot.appendingPathComponent("Tests/RewriterTests/Fixtures")

    func testTheFixtureFoldWritesWhatTheBackfillWrites() async throws {
        let server = try TestDatabase.serverSettings()
        let suffix = UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000
        let byMigrator = "pgcutover_fold_migrator_\(suffix)"
        let byFixture = "pgcutover_fold_fixture_\(suffix)"
        let admin = try await Database.connect(server)
        do {
            try await admin.execute("CREATE DATABASE \(byMigrator)")
            try psql(server, byMigrator, file: Self.fixtures.appendingPathComponent("legacy.sql").path)
            // A byte-for-byte copy, so the DEFAULT now() values are the same in both.
            try await admin.execute("CREATE DATABASE \(byFixture) TEMPLATE \(byMigrator)")

            let migrated = try await Database.connect(server.with(database: byMigrator))
            let summary = try await TestDatabase.runner(migrated).up()
            XCTAssertNotNil(summary)
            let report = try await Verifier(database: migrated).run()
            XCTAssertTrue(report.isClean, report.text)
            let expected = try await Self.content(migrated)
            await migrated.close()

            let list = try String(contentsOf: Self.fixtures.appendingPathComponent("migrated.txt"), encoding: .utf8)
            for line in list.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
                try psql(server, byFixture, file: TestDatabase.packageRoot.appendingPathComponent(String(line)).path)
            }
            let folded = try await Database.connect(server.with(database: byFixture))
            let actual = try await Self.content(folded)
            await folded.close()

            XCTAssertGreaterThan(expected.rows, 50, "the fixture has legacy rows to fold")
            XCTAssertEqual(actual.rows, expected.rows)
            XCTAssertEqual(actual.checksum, expected.checksum, "the fixture's fold differs from migrate up's backfill")
        } catch {
            try? await admin.execute("DROP DATABASE IF EXISTS \(byMigrator) WITH (FORCE)")
            try? await admin.execute("DROP DATABASE IF EXISTS \(byFixture) WITH (FORCE)")
            await admin.close()
            throw error
        }
        try await admin.execute("DROP DATABASE IF EXISTS \(byMigrator) WITH (FORCE)")
        try await admin.execute("DROP DATABASE IF EXISTS \(byFixture) WITH (FORCE)")
        await admin.close()
    }

    /// Every column the fold writes, token rows it created included, keyed by token (ids of created
    /// rows come from the sequence in the same order either way, but the token is what matters).
    private static func content(_ database: Database) async throws -> (rows: Int, checksum: String) {
        let rows = try await TestDatabase.int(database, """
            SELECT count(*)::int8 FROM coordizer_vocabulary WHERE god_profile IS NOT NULL OR relationships IS NOT NULL
            """)
        let checksum = try await TestDatabase.string(database, """
            SELECT md5(string_agg(concat_ws('|', token, active, source_type, god_profile::text, relationships::text),
                                  E'\\n' ORDER BY token))
            FROM coordizer_vocabulary
            """)
        return (rows, checksum)
    }

    /// The fixtures are psql scripts (several statements, step markers in comments).
    private func psql(_ server: ConnectionSettings, _ database: String, file: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.host, "-p", "\(server.port)",
                             "-U", server.user, "-d", database, "-f", file]
        var environment = ProcessInfo.processInfo.environment
        if let password = server.password { environment["PGPASSWORD"] = password }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MigratorError(sqlState: "XX000", message: "psql -f \(file) on \(database) failed: \(text)")
        }
    }
}
