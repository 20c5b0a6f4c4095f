import Foundation
@testable import Rewriter
import XCTest

/// The comparison statement's shape, checked on its parse tree: which CTEs it has, that each side
/// wraps exactly the statement it should (same tree as the statement parsed alone), and that
/// ORDER BY at the top, and only there, makes the comparison positional.
final class ShadowComparisonTests: XCTestCase {
    private var rewriter: Rewriter!

    override func setUpWithError() throws {
        rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
    }

    func testUnorderedReadIsComparedAsMultisets() throws {
        let sql = "SELECT god_name, word, relevance_score FROM god_vocabulary_profiles WHERE word = $1;"
        let comparison = try rewriter.shadowComparison(sql)
        XCTAssertFalse(comparison.ordered)
        XCTAssertEqual(comparison.legacySQL, "SELECT god_name, word, relevance_score FROM god_vocabulary_profiles WHERE word = $1")
        guard case .rewritten(let rewritten, _) = rewriter.rewrite(comparison.legacySQL) else {
            return XCTFail("the legacy statement is rewritten")
        }
        XCTAssertEqual(comparison.rewrittenSQL, rewritten)
        let shape = try Shape(comparison.sql)
        XCTAssertEqual(shape.cteNames, [
            "pgcutover_shadow_legacy", "pgcutover_shadow_rewritten",
            "pgcutover_shadow_legacy_only", "pgcutover_shadow_rewritten_only",
        ])
        XCTAssertEqual(shape.outputNames, ["legacy_rows", "rewritten_rows", "matched", "legacy_row", "rewritten_row"])
        XCTAssertEqual(shape.wrapped(cte: 0), try Canonical.statement(comparison.legacySQL))
        XCTAssertEqual(shape.wrapped(cte: 1), try Canonical.statement(comparison.rewrittenSQL))
        XCTAssertTrue(shape.cte(2).contains("\"op\":\"SETOP_EXCEPT\"") && shape.cte(2).contains("\"all\":true"))
        XCTAssertTrue(shape.cte(3).contains("\"op\":\"SETOP_EXCEPT\""))
        XCTAssertFalse(comparison.sql.contains("row_number"))
    }

    func testTopLevelOrderByComparesByPosition() throws {
        let sql = "SELECT word, neighbor, strength FROM basin_relationships ORDER BY id -- newest last"
        let comparison = try rewriter.shadowComparison(sql)
        XCTAssertTrue(comparison.ordered)
        let shape = try Shape(comparison.sql)
        XCTAssertEqual(shape.cteNames, ["pgcutover_shadow_legacy", "pgcutover_shadow_rewritten", "pgcutover_shadow_first"])
        XCTAssertEqual(shape.outputNames, ["legacy_rows", "rewritten_rows", "matched", "legacy_row", "rewritten_row"])
        XCTAssertEqual(shape.wrapped(cte: 0), try Canonical.statement(sql))
        XCTAssertEqual(shape.wrapped(cte: 1), try Canonical.statement(comparison.rewrittenSQL))
        XCTAssertTrue(shape.cte(0).contains("\"sval\":\"row_number\""))
        XCTAssertTrue(shape.cte(2).contains("\"jointype\":\"JOIN_FULL\""))
    }

    func testOrderByOnlyInsideDoesNotOrderTheAnswer() throws {
        let inner = try rewriter.shadowComparison(
            "SELECT * FROM (SELECT word FROM god_vocabulary_profiles ORDER BY word LIMIT 3) w")
        XCTAssertFalse(inner.ordered)
        let window = try rewriter.shadowComparison(
            "SELECT word, row_number() OVER (ORDER BY relevance_score) FROM god_vocabulary_profiles")
        XCTAssertFalse(window.ordered)
        let union = try rewriter.shadowComparison(
            "SELECT word FROM god_vocabulary_profiles UNION ALL SELECT word FROM basin_relationships ORDER BY 1")
        XCTAssertTrue(union.ordered)
        let string = try rewriter.shadowComparison("SELECT 'ORDER BY' AS o, word FROM god_vocabulary_profiles")
        XCTAssertFalse(string.ordered)
    }

    func testStatementsThatCannotBeCompared() {
        let cases: [(String, ShadowComparisonRefusal)] = [
            ("SELECT 1 FROM god_vocabulary_profiles; SELECT 2", .multipleStatements(2)),
            ("DELETE FROM god_vocabulary_profiles WHERE id = 1", .notARead(.delete)),
            ("INSERT INTO basin_relationships (word, neighbor) VALUES ('a', 'b')", .notARead(.insert)),
            ("SELECT word INTO copy_of_words FROM god_vocabulary_profiles", .selectInto),
            ("SELECT word FROM god_vocabulary_profiles FOR UPDATE", .locking),
            ("SELECT * FROM (SELECT word FROM god_vocabulary_profiles FOR SHARE) w", .locking),
            ("WITH gone AS (DELETE FROM scratch RETURNING word) SELECT word FROM god_vocabulary_profiles", .dataModifyingWith),
            ("SELECT token FROM coordizer_vocabulary", .noLegacyTable),
        ]
        for (sql, expected) in cases {
            XCTAssertThrowsError(try rewriter.shadowComparison(sql), sql) { error in
                XCTAssertEqual(error as? ShadowComparisonRefusal, expected, sql)
            }
        }
        XCTAssertThrowsError(try rewriter.shadowComparison("SELEC word FROM god_vocabulary_profiles")) { error in
            guard case .syntaxError = error as? ShadowComparisonRefusal else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try rewriter.shadowComparison("SELECT ctid FROM god_vocabulary_profiles")) { error in
            guard case .rewriteRefused(let refusal) = error as? ShadowComparisonRefusal else { return XCTFail("\(error)") }
            XCTAssertEqual(refusal.sqlState, "0A000")
            XCTAssertTrue("\(error)".hasPrefix("rewriter refused: "))
        }
    }
}

/// The parts of a comparison statement's tree the tests look at.
private struct Shape {
    let ctes: [(name: String, query: JSON)]
    let outputNames: [String]

    init(_ sql: String) throws {
        let tree = try ParseTree.parse(sql)
        XCTAssertEqual(tree.statements.count, 1)
        let select = try XCTUnwrap(tree.statements.first?.node.object?["SelectStmt"]?.object)
        let ctes = select["withClause"]?.object?["ctes"]?.array ?? []
        self.ctes = ctes.compactMap { node in
            guard let cte = node.object?["CommonTableExpr"]?.object, let name = cte["ctename"]?.string,
                let query = cte["ctequery"] else { return nil }
            return (name, query)
        }
        outputNames = (select["targetList"]?.array ?? []).compactMap { $0.object?["ResTarget"]?.object?["name"]?.string }
    }

    var cteNames: [String] { ctes.map(\.name) }

    func cte(_ index: Int) -> String { Canonical.render(ctes[index].query) }

    /// The statement inside `FROM (…) s` of a side's CTE.
    func wrapped(cte index: Int) -> String? {
        let select = ctes[index].query.object?["SelectStmt"]?.object
        let from = select?["fromClause"]?.array?.first?.object?["RangeSubselect"]?.object
        return from?["subquery"].map(Canonical.render)
    }
}

/// A tree as text without source positions, so one statement parsed alone and wrapped in
/// another render the same.
private enum Canonical {
    static func statement(_ sql: String) throws -> String {
        render(try XCTUnwrap(ParseTree.parse(sql).statements.first).node)
    }

    static func render(_ json: JSON) -> String {
        switch json {
        case .object(let object):
            let members = object.members.filter { $0.key != "location" }.map { "\"\($0.key)\":\(render($0.value))" }
            return "{" + members.joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .string(let value): return "\"\(value)\""
        case .int(let value): return "\(value)"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        }
    }
}
