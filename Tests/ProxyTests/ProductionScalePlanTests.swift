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
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: ShippedMapping.path))
        try await MigratedDemoDatabase.with(scale: 1.0, seed: 1) { db in
            try await db.execute("ANALYZE coordizer_vocabulary")
            for (number, check) in Self.cases.enumerated() {
                guard case .rewritten(let rewritten, _) = rewriter.rewrite(check.sql) else {
                    XCTFail("not rewritten: \(check.sql)")
                    continue
                }
                try await db.execute("PREPARE seed\(number) AS \(rewritten)")
                for mode in ["force_generic_plan", "force_custom_plan"] {
                    try await db.execute("SET plan_cache_mode = \(mode)")
                    let plan = try await lines(db.database, "EXPLAIN EXECUTE seed\(number)(\(check.argument))")
                    XCTAssertTrue(plan.contains(check.index), "\(check.sql), \(mode):\n\(plan)")
                    XCTAssertFalse(plan.contains("Seq Scan on coordizer_vocabulary"), "\(check.sql), \(mode):\n\(plan)")
                }
            }
        }
    }

    private func lines(_ database: Database, _ sql: String) async throws -> String {
        var text: [String] = []
        for try await line in try await database.query(PostgresQuery(unsafeSQL: sql)).decode(String.self) {
            text.append(line)
        }
        return text.joined(separator: "\n")
    }
}
