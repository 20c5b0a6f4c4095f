import Rewriter
import XCTest

/// The cost of one uncached rewrite (parse, analysis, scan, splice), and of the pre-check that
/// lets unrelated statements through. Prints microseconds per statement; the bound asserted here
/// is for debug builds, docs/rewriter.md records release numbers against the 100 µs target.
final class RewriteCostTests: XCTestCase {
    func testUncachedRewriteCost() throws {
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        let statements = [
            ("seed god profile", "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1"),
            ("seed relationships", "SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)"),
            ("join + cte", ReadCorpus.cases.first { $0.name == "cte chain" }!.sql),
            ("unrelated (pre-check)", "SELECT token, qfi_score FROM coordizer_vocabulary WHERE token = ANY($1) AND active"),
        ]
        let iterations = 2000
        for (name, sql) in statements {
            for _ in 0..<50 { _ = rewriter.rewrite(sql) }
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<iterations { _ = rewriter.rewrite(sql) }
            }
            let micros = Double(elapsed.components.attoseconds) / 1e12 / Double(iterations)
                + Double(elapsed.components.seconds) * 1e6 / Double(iterations)
            print("rewrite cost \(name): \(String(format: "%.1f", micros)) µs")
            XCTAssertLessThan(micros, 2000, name)
        }
    }
}
