import Foundation
import Migrator
import PostgresNIO
import XCTest

/// A database of its own on the server named by PGCUTOVER_TEST_DATABASE_URL, created for one test and
/// dropped after it. Without that variable the test fails: CI starts Postgres before the tests.
struct TestDatabase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let migrationsDirectory = packageRoot.appendingPathComponent("migrations").path

    static func serverSettings() throws -> ConnectionSettings {
        guard let url = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_DATABASE_URL"], !url.isEmpty else {
            throw MigratorError(sqlState: "08001", message:
                "PGCUTOVER_TEST_DATABASE_URL is not set; start Postgres (scripts/postgres.sh start PORT) and export "
                + "PGCUTOVER_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/postgres")
        }
        return try ConnectionSettings.fromURL(url)
    }

    /// Creates a fresh database, runs `body` on a connection to it, drops it.
    static func with<T>(_ body: (Database) async throws -> T) async throws -> T {
        let server = try serverSettings()
        let name = "pgcutover_test_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let admin = try await Database.connect(server)
        try await admin.execute("CREATE DATABASE \(name)")
        do {
            let database = try await Database.connect(server.with(database: name))
            let result: T
            do { result = try await body(database) } catch { await database.close(); throw error }
            await database.close()
            try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            return result
        } catch {
            try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            throw error
        }
    }

    /// Loads the demo rows at a (small) scale.
    @discardableResult
    static func loadDemo(_ database: Database, scale: Double, seed: UInt64 = 7) async throws -> DemoDataLoader.Summary {
        let rows = DemoDataGenerator(shape: DemoDataShape(scale: scale), seed: seed).generate()
        return try await DemoDataLoader(database: database).load(rows, replace: false)
    }

    static func runner(_ database: Database, _ options: BackfillOptions = BackfillOptions(),
                       directory: String = migrationsDirectory) -> MigrationRunner {
        MigrationRunner(database: database,
                        settings: .init(migrationsDirectory: directory, lockTimeoutMilliseconds: 2000, lockRetries: 5,
                                        backfill: options),
                        report: { _ in })
    }

    /// The `pgcutover` the tests were built with (`swift build --build-tests` builds it too).
    static var binary: String { packageRoot.appendingPathComponent(".build/debug/pgcutover").path }

    /// Runs the built `pgcutover` with `arguments` to its end: its exit status and its output
    /// (standard output and error together). A missing binary fails the test.
    static func runBinary(_ arguments: [String]) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MigratorError(sqlState: "58P01", message: "\(binary) not found; build first (swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static func int(_ database: Database, _ sql: String) async throws -> Int {
        try await database.scalarInt(PostgresQuery(unsafeSQL: sql)) ?? -1
    }

    static func string(_ database: Database, _ sql: String) async throws -> String {
        try await database.scalarString(PostgresQuery(unsafeSQL: sql)) ?? "<null>"
    }

    /// The content of the migrated table (a checksum), and separately which row versions exist, so a
    /// test can tell "same content" from "not rewritten at all".
    static func contentChecksum(_ database: Database) async throws -> String {
        try await string(database, """
            SELECT md5(string_agg(concat_ws('|', id, token, active, source_type, god_profile::text, relationships::text),
                                  E'\\n' ORDER BY id))
            FROM coordizer_vocabulary
            """)
    }

    static func rowVersions(_ database: Database) async throws -> String {
        try await string(database, "SELECT md5(string_agg(id || ':' || xmin::text, ',' ORDER BY id)) FROM coordizer_vocabulary")
    }
}
