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
        try await withTwoDatabases("pgcutover_fold") { server, byMigrator, byFixture in
            let admin = try await Database.connect(server)
            try await admin.execute("CREATE DATABASE \(byMigrator)")
            try psql(server, byMigrator, file: Self.fixtures.appendingPathComponent("legacy.sql").path)
            // A byte-for-byte copy, so the DEFAULT now() values are the same in both.
            try await admin.execute("CREATE DATABASE \(byFixture) TEMPLATE \(byMigrator)")
            await admin.close()

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
        }
    }

    /// The rewriter's fixture writes its own CREATE TABLEs (with data beside them); they must be the
    /// contract's, column for column and constraint for constraint, or the differential suites
    /// would compare against a different legacy table.
    func testTheFixtureCreatesTheContractSchema() async throws {
        try await withTwoDatabases("pgcutover_schema") { server, fromContract, fromFixture in
            let admin = try await Database.connect(server)
            try await admin.execute("CREATE DATABASE \(fromContract)")
            try await admin.execute("CREATE DATABASE \(fromFixture)")
            await admin.close()
            let contract = try await Database.connect(server.with(database: fromContract))
            for statement in LegacySchema.statements { try await contract.execute(statement) }
            let expected = try await TestDatabase.string(contract, Self.schemaDescription)
            await contract.close()
            try psql(server, fromFixture, file: Self.fixtures.appendingPathComponent("legacy.sql").path)
            let fixture = try await Database.connect(server.with(database: fromFixture))
            let actual = try await TestDatabase.string(fixture, Self.schemaDescription)
            await fixture.close()
            XCTAssertTrue(expected.contains("tokenizer_vocabulary_token_unique"), expected)
            XCTAssertEqual(actual, expected)
        }
    }

    /// The three contract tables as the catalog has them: columns in order with type, NOT NULL and
    /// default, then constraints with their definitions.
    private static let schemaDescription = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
            SELECT format('%s.%s %s %s %s %s', c.relname, lpad(a.attnum::text, 2, '0'), a.attname,
                          format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS line
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relname IN ('coordizer_vocabulary', 'god_vocabulary_profiles', 'basin_relationships')
              AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT format('%s constraint %s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE c.relname IN ('coordizer_vocabulary', 'god_vocabulary_profiles', 'basin_relationships')
              AND c.relnamespace = 'public'::regnamespace
        ) AS description
        """

    /// Two fresh databases named `prefix_a_…` and `prefix_b_…` for `body`, dropped afterwards.
    private func withTwoDatabases(
        _ prefix: String, _ body: (ConnectionSettings, String, String) async throws -> Void
    ) async throws {
        let server = try TestDatabase.serverSettings()
        let suffix = UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000
        let names = ("\(prefix)_a_\(suffix)", "\(prefix)_b_\(suffix)")
        let admin = try await Database.connect(server)
        do {
            try await body(server, names.0, names.1)
        } catch {
            try? await admin.execute("DROP DATABASE IF EXISTS \(names.0) WITH (FORCE)")
            try? await admin.execute("DROP DATABASE IF EXISTS \(names.1) WITH (FORCE)")
            await admin.close()
            throw error
        }
        try await admin.execute("DROP DATABASE IF EXISTS \(names.0) WITH (FORCE)")
        try await admin.execute("DROP DATABASE IF EXISTS \(names.1) WITH (FORCE)")
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
