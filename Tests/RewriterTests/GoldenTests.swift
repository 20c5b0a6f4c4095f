import Foundation
import Rewriter
import XCTest

/// SQL in, SQL out: each `Golden/NAME.sql` is rewritten and compared with `Golden/NAME.out`, which
/// holds the rewritten text, `-- pass-through`, or `-- refused SQLSTATE: message`.
/// With REWRITER_GOLDEN_UPDATE=1 the .out files are rewritten from the current output (review the
/// diff) and the test fails, so an update can never pass silently.
final class GoldenTests: XCTestCase {
    func testGoldenFiles() throws {
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        let directory = RepositoryFiles.goldenDirectory
        let inputs = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertGreaterThanOrEqual(inputs.count, 50)
        let update = ProcessInfo.processInfo.environment["REWRITER_GOLDEN_UPDATE"] == "1"
        for input in inputs {
            var sql = try RepositoryFiles.text(directory.appendingPathComponent(input))
            if sql.hasSuffix("\n") { sql.removeLast() }
            let actual = Self.render(rewriter.rewrite(sql))
            let expectedURL = directory.appendingPathComponent(String(input.dropLast(4)) + ".out")
            if update {
                try Data((actual + "\n").utf8).write(to: expectedURL)
                continue
            }
            let expected = try? RepositoryFiles.text(expectedURL)
            XCTAssertEqual(actual + "\n", expected, input)
        }
        XCTAssertFalse(update, "golden files were regenerated; review the diff and rerun without REWRITER_GOLDEN_UPDATE")
    }

    static func render(_ outcome: RewriteOutcome) -> String {
        switch outcome {
        case .passThrough:
            return "-- pass-through"
        case .rewritten(let sql, let statements):
            let kinds = statements.map { "\($0.kind.rawValue)[\($0.legacyTables.joined(separator: ","))]" }
            return "-- rewritten: \(kinds.joined(separator: " "))\n\(sql)"
        case .refused(let error):
            return "-- refused \(error.sqlState): \(error.message)"
        }
    }
}
