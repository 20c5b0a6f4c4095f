import Rewriter
import XCTest

/// A prepared legacy read keyed by a parameter must get a plan Postgres can reuse, as the legacy
/// statement does: with enough rows for the statistics to tell values apart, a GIN condition
/// on a visible parameter (`god_profile ? $1`) makes every custom plan look cheaper than the
/// generic one, and each execution is planned again (about as long as it runs on the seed's data).
final class GenericPlanTests: XCTestCase {
    func testParameterizedKeyReadsReuseAGenericPlan() throws {
        let databases = try DifferentialDatabases.shared.get()
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        let reads = [
            "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1",
            "SELECT g.word, g.relevance_score, b.neighbor FROM god_vocabulary_profiles g JOIN basin_relationships b ON b.word = g.word WHERE g.god_name = $1",
        ]
        for sql in reads {
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else { return XCTFail("not rewritten: \(sql)") }
            // Postgres tries five custom plans before it compares them with the generic one.
            let plan = try databases.migrated.run("""
                BEGIN;
                INSERT INTO coordizer_vocabulary (token) SELECT 'pgcutover_pad_' || i FROM generate_series(1, 5000) AS i;
                ANALYZE coordizer_vocabulary;
                PREPARE read(text) AS \(rewritten);
                \(String(repeating: "EXECUTE read('zeus');\n", count: 6))
                EXPLAIN EXECUTE read('zeus');
                ROLLBACK;
                """)
            XCTAssertFalse(plan.contains("'zeus'"), "a custom plan (the value planned in):\n\(rewritten)\n\(plan)")
            XCTAssertTrue(plan.contains("god_profile ? $"), "\(rewritten)\n\(plan)")
        }
    }
}
