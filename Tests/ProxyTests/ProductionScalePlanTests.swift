import Foundation
import Migrator
import PostgresNIO
import Rewriter
import XCTest

/// The seed's statements, rewritten, use the consolidated table's indexes by the planner's own
/// choice at production size: demo data at scale 1.0 (16,031 tokens, 362,145 relationships)
/// migrated by `migrate up`, statistics as ANALYZE leaves them, no `enable_seqscan = off`. Checked
/// for the generic plan a driver's prepared statement settles on and for the custom plan.
final class ProductionScalePlanTests: XCTestCase {
    private static let cases: [(sql: String, argument: String, index: String)] = [
        ("SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1", "'zeus'",
         "idx_coordizer_god_profile"),
        ("SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)", "ARRAY['aaron', 'abyss']",
         "tokenizer_vocabulary_token_unique"),
    ]

    func testSeedStatementsChooseTheIndexesAtScaleOne() async throws {
        guard let url = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_DATABASE_URL"], !url.isEmpty else {
            XCTFail("PGCUTOVER_TEST_DATABASE_URL is not set; start Postgres (scripts/postgres.sh start PORT) and export it")
            return
        }
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: ShippedMapping.path))
        var server = try ConnectionSettings.fromURL(url)
        server.sslMode = .disable
        let name = "pgcutover_plans_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let admin = try await Database.connect(server)
        try await admin.execute("CREATE DATABASE \(name)")
        do {
            let database = try await Database.connect(server.with(database: name))
            do {
                let rows = DemoDataGenerator(shape: DemoDataShape(scale: 1.0), seed: 1).generate()
                _ = try await DemoDataLoader(database: database).load(rows, replace: false)
                _ = try await MigrationRunner(
                    database: database,
                    settings: .init(migrationsDirectory: ShadowDatabase.root.appendingPathComponent("migrations").path),
                    report: { _ in }
                ).up()
                try await database.execute("ANALYZE coordizer_vocabulary")
                for (number, check) in Self.cases.enumerated() {
                    guard case .rewritten(let rewritten, _) = rewriter.rewrite(check.sql) else {
                        XCTFail("not rewritten: \(check.sql)")
                        continue
                    }
                    try await database.execute("PREPARE seed\(number) AS \(rewritten)")
                    for mode in ["force_generic_plan", "force_custom_plan"] {
                        try await database.execute("SET plan_cache_mode = \(mode)")
                        let plan = try await lines(database, "EXPLAIN EXECUTE seed\(number)(\(check.argument))")
                        XCTAssertTrue(plan.contains(check.index), "\(check.sql), \(mode):\n\(plan)")
                        XCTAssertFalse(plan.contains("Seq Scan on coordizer_vocabulary"), "\(check.sql), \(mode):\n\(plan)")
                    }
                }
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

    private func lines(_ database: Database, _ sql: String) async throws -> String {
        var text: [String] = []
        for try await line in try await database.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
            text.append(line)
        }
        return text.joined(separator: "\n")
    }
}
