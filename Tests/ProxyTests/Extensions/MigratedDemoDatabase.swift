import Foundation
import Migrator
import PostgresNIO
import XCTest

/// A database of its own holding demo legacy rows (`scale`, `seed`) and the folds `migrate up` made of
/// them; dropped afterwards.
struct MigratedDemoDatabase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../..").standardized
    static var mappingPath: String { ShippedMapping.path }

    let name: String
    let settings: ConnectionSettings
    let database: Database

    static func with(
        scale: Double = 0.01, seed: UInt64 = 11, _ body: (MigratedDemoDatabase) async throws -> Void
    ) async throws {
        guard let url = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_DATABASE_URL"], !url.isEmpty else {
            XCTFail("PGCUTOVER_TEST_DATABASE_URL is not set; start Postgres (scripts/postgres.sh start PORT) and export it")
            return
        }
        var server = try ConnectionSettings.fromURL(url)
        server.sslMode = .disable
        let name = "pgcutover_demo_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let admin = try await Database.connect(server)
        try await admin.execute("CREATE DATABASE \(name)")
        do {
            let settings = server.with(database: name)
            let database = try await Database.connect(settings)
            let rows = DemoDataGenerator(shape: DemoDataShape(scale: scale), seed: seed).generate()
            _ = try await DemoDataLoader(database: database).load(rows, replace: false)
            let runner = MigrationRunner(
                database: database,
                settings: .init(migrationsDirectory: root.appendingPathComponent("migrations").path), report: { _ in })
            _ = try await runner.up()
            do {
                try await body(MigratedDemoDatabase(name: name, settings: settings, database: database))
            } catch {
                await database.close()
                throw error
            }
            await database.close()
        } catch {
            try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            throw error
        }
        try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
        await admin.close()
    }

    func execute(_ sql: String) async throws { try await database.execute(sql) }

    func int(_ sql: String) async throws -> Int {
        try await database.scalarInt(PostgresQuery(unsafeSQL: sql)) ?? -1
    }

    func string(_ sql: String) async throws -> String {
        try await database.scalarString(PostgresQuery(unsafeSQL: sql)) ?? "<null>"
    }
}
