@testable import Rewriter
import XCTest

/// `ParseTree.parse(_:skippingValuesRowsWithout:)`: VALUES rows after the first are left out of
/// the tree only when nothing in them matters to the analysis.
final class ValuesRowSkipTests: XCTestCase {
    private let needles = ParseTree.valuesRowNeedles(names: ["god_vocabulary_profiles", "basin_relationships"])

    private func rows(_ sql: String, skipping: Bool) throws -> [JSON] {
        let tree = try ParseTree.parse(sql, skippingValuesRowsWithout: skipping ? needles : nil)
        let insert = try XCTUnwrap(ReferenceFinder.unwrap(tree.statements[0].node)?.fields)
        let select = try XCTUnwrap(insert["selectStmt"].flatMap(ReferenceFinder.unwrap)?.fields)
        return try XCTUnwrap(select["valuesLists"]?.array)
    }

    /// A tree as text, to compare trees.
    private func text(_ json: JSON) -> String {
        switch json {
        case .object(let object): "{" + object.map { "\($0.key):\(text($0.value))" }.joined(separator: ",") + "}"
        case .array(let items): "[" + items.map(text).joined(separator: ",") + "]"
        case .string(let value): "\"\(value)\""
        case .int(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .null: "null"
        }
    }

    func testSkipsOnlyRowsOfConstantsAfterTheFirst() throws {
        let sql = """
            INSERT INTO basin_relationships (word, neighbor, contexts) VALUES ('a', 'b', ARRAY['x']), \
            ('c', 'd' || 'e', ARRAY[]::text[]), ('f', 'g', DEFAULT), ('h', (SELECT max(neighbor) FROM t), NULL), \
            ('i', 'basin_relationships', NULL), ('j', k.l, NULL), ('m', "Quoted", NOW()), ('n', $1, '{"q\\\\"}')
            """
        let full = try rows(sql, skipping: false)
        let skipped = try rows(sql, skipping: true)
        XCTAssertEqual(full.count, 8)
        XCTAssertEqual(skipped.count, 8)
        let kept = [0, 2, 3, 4, 5, 6]  // the first; DEFAULT; a subquery; a legacy name; column references
        for index in 0..<8 {
            if kept.contains(index) {
                XCTAssertEqual(text(skipped[index]), text(full[index]), "row \(index)")
            } else {
                XCTAssertEqual(text(skipped[index]), "null", "row \(index)")
                XCTAssertNotEqual(text(full[index]), "null", "row \(index)")
            }
        }
    }

    /// A skipped row nested past `JSONReader.maximumDepth` is refused as a decoded one is.
    func testDepthLimitHoldsInSkippedRows() throws {
        let deep = (0..<400).map { _ in "1 + (" }.joined() + "1" + String(repeating: ")", count: 400)
        let sql = "INSERT INTO basin_relationships (word) VALUES ('a'), (\(deep))"
        for skipping in [false, true] {
            XCTAssertThrowsError(try ParseTree.parse(sql, skippingValuesRowsWithout: skipping ? needles : nil)) { error in
                guard case ParseTree.Failure.tooDeep = error else { return XCTFail("\(error)") }
            }
        }
        let shallow = "INSERT INTO basin_relationships (word) VALUES ('a'), (1 + (1 + 1))"
        XCTAssertEqual(try rows(shallow, skipping: true).map(text)[1], "null")
    }

    /// The rewrite of a batch is the same whether its rows are decoded or not (the rewriter
    /// always skips; the golden files and differential tests hold the rows' text).
    func testBatchRewriteKeepsEveryRow() throws {
        let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
        let sql = "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES "
            + (0..<50).map { "('w\($0)', 'n\($0)', \($0).5)" }.joined(separator: ", ")
        guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else { return XCTFail("not rewritten") }
        for row in 0..<50 {
            XCTAssertTrue(rewritten.contains("(CAST(('w\(row)') AS text), CAST(('n\(row)') AS text), CAST((\(row).5) AS real))"), "row \(row)")
        }
    }
}
