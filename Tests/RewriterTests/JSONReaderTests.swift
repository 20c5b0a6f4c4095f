@testable import Rewriter
import XCTest

final class JSONReaderTests: XCTestCase {
    private func parse(_ text: String) throws -> JSON {
        var text = text
        return try text.withUTF8 { try JSONReader.parse($0) }
    }

    func testReadsTheShapesLibpgQueryWrites() throws {
        let value = try parse(#"{"a": [1, -2, true, false, null], "b": {"c": "x"}, "d": {}, "e": []}"#)
        let object = try XCTUnwrap(value.object)
        XCTAssertEqual(object["a"]?.array?.count, 5)
        XCTAssertEqual(object["a"]?.array?[1].int, -2)
        XCTAssertEqual(object["a"]?.array?[2].bool, true)
        XCTAssertEqual(object["b"]?.object?["c"]?.string, "x")
        XCTAssertEqual(object["d"]?.object?.count, 0)
        XCTAssertEqual(object["e"]?.array?.count, 0)
        XCTAssertNil(object["missing"])
    }

    func testDecodesEscapes() throws {
        let value = try parse(#"["q\"b\\s\/n\nt\tu\u00e9\u0416e\ud83d\ude00Ζ"]"#)
        XCTAssertEqual(value.array?.first?.string, "q\"b\\s/n\nt\tuéЖe😀Ζ")
    }

    func testRejectsMalformedInput() {
        for text in ["{", "[1,", #"{"a" 1}"#, "tru", #""open"#, "-"] {
            XCTAssertThrowsError(try parse(text), text)
        }
    }

    /// String constants with quotes, backslashes and non-ASCII survive the parse tree: the
    /// pushed-down operand is the client's own token, and the analysis sees the decoded value.
    func testLiteralsInStatementsRoundTrip() throws {
        let tree = try ParseTree.parse(#"SELECT E'a\'b\\c', 'Ζεύς "x"' FROM t"#)
        let select = try XCTUnwrap(ReferenceFinder.unwrap(tree.statements[0].node)?.fields)
        let values = (select["targetList"]?.array ?? []).compactMap {
            ReferenceFinder.unwrap($0)?.fields["val"].flatMap(ReferenceFinder.unwrap)?.fields["sval"]?.object?["sval"]?.string
        }
        XCTAssertEqual(values, [#"a'b\c"#, #"Ζεύς "x""#])
    }
}
