import Foundation
@testable import Rewriter
import XCTest

/// The server's error positions count in the rewritten text; `originalErrorPosition` gives them
/// back in the client's. Positions are 1-based and count characters, as in ErrorResponse's `P`.
final class ErrorPositionTests: XCTestCase {
    private static let rewriter = Rewriter(mapping: try! Rewriter.loadMapping(path: RepositoryFiles.mappingPath))

    private func rewritten(_ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard case .rewritten(let text, _) = Self.rewriter.rewrite(sql) else {
            XCTFail("not rewritten: \(sql)", file: file, line: line)
            throw CancellationError()
        }
        return text
    }

    /// The character position (from 1) of the only occurrence of `piece` in `text`.
    private func position(of piece: String, in text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let ranges = text.ranges(of: piece)
        XCTAssertEqual(ranges.count, 1, "\(piece) in \(text)", file: file, line: line)
        let range = try XCTUnwrap(ranges.first, file: file, line: line)
        return text.unicodeScalars[..<range.lowerBound].count + 1
    }

    private func mapped(_ sql: String, _ position: Int) throws -> Int? {
        Self.rewriter.originalErrorPosition(position, in: sql, rewrittenAs: try rewritten(sql))
    }

    func testALiteralOfAReadMapsToItself() throws {
        // Greek letters take two bytes and count as one character each, on both sides.
        let sql = "/* Ζεύς */ SELECT * FROM god_vocabulary_profiles WHERE usage_count = 'many'"
        let text = try rewritten(sql)
        XCTAssertEqual(try mapped(sql, position(of: "'many'", in: text)), try position(of: "'many'", in: sql))
        XCTAssertEqual(try mapped(sql, position(of: "'many'", in: text) + 3), try position(of: "'many'", in: sql) + 3)
    }

    func testTheRebuiltTableMapsToTheLegacyName() throws {
        let sql = "SELECT g.word FROM public.god_vocabulary_profiles AS g WHERE g.usage_count > 2"
        let text = try rewritten(sql)
        XCTAssertEqual(try mapped(sql, position(of: "jsonb_each", in: text)), try position(of: "public.", in: sql))
        XCTAssertEqual(try mapped(sql, position(of: "g.usage_count", in: text)), try position(of: "g.usage_count", in: sql))
    }

    func testAValueOfAnInsertMapsToItself() throws {
        let sql = "INSERT INTO basin_relationships (word, neighbor, updated_at) VALUES ('w001', 'ξ', 'not a time')"
        let text = try rewritten(sql)
        let literal = try position(of: "'not a time'", in: sql)
        // Both copies: the assignment check's (where the server's analysis fails first) and the cast's.
        XCTAssertEqual(try mapped(sql, position(of: "'ξ', 'not a time'", in: text) + "'ξ', ".count), literal)
        XCTAssertEqual(try mapped(sql, position(of: "CAST(('not a time')", in: text) + "CAST((".count), literal)
        XCTAssertEqual(try mapped(sql, position(of: "pgcutover_locked AS MATERIALIZED", in: text)), 1, "a write's own SQL: the statement")
        XCTAssertEqual(try mapped(sql, position(of: "INSERT INTO pgcutover_insert_check", in: text)), 1, "the check's own SQL")
    }

    func testTheScaffoldingOfASecondStatementMapsToThatStatement() throws {
        let sql = "SELECT 'é'; UPDATE god_vocabulary_profiles SET usage_count = usage_count + 'x' WHERE god_name = 'zeus'"
        let text = try rewritten(sql)
        XCTAssertEqual(try mapped(sql, position(of: "CAST((usage_count + 'x')", in: text) + "CAST((usage_count + ".count), try position(of: "'x'", in: sql))
        XCTAssertEqual(try mapped(sql, position(of: "SET usage_count = usage_count + 'x'", in: text) + "SET usage_count = usage_count + ".count), try position(of: "'x'", in: sql),
                       "the SET list run against the assignment table")
        XCTAssertEqual(try mapped(sql, position(of: "pgcutover_write AS", in: text)), try position(of: "UPDATE", in: sql))
        XCTAssertEqual(try mapped(sql, 8), 8, "the untouched first statement")
    }

    func testADefaultMapsToTheDefaultKeyword() throws {
        let sql = "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, last_used) VALUES ('zeus', 'w', 0.5, DEFAULT)"
        let text = try rewritten(sql)
        XCTAssertEqual(try mapped(sql, position(of: "(now())", in: text) + 1), try position(of: "DEFAULT", in: sql))
    }

    func testAnotherTextOrAPositionOutsideItIsUnknown() throws {
        let sql = "SELECT * FROM god_vocabulary_profiles WHERE usage_count = 'many'"
        let text = try rewritten(sql)
        XCTAssertNil(Self.rewriter.originalErrorPosition(3, in: sql, rewrittenAs: text + " "))
        XCTAssertNil(Self.rewriter.originalErrorPosition(0, in: sql, rewrittenAs: text))
        XCTAssertNil(Self.rewriter.originalErrorPosition(text.unicodeScalars.count + 2, in: sql, rewrittenAs: text))
        XCTAssertEqual(Self.rewriter.originalErrorPosition(text.unicodeScalars.count + 1, in: sql, rewrittenAs: text),
                       sql.unicodeScalars.count + 1, "the end of the text")
    }

    /// Over every golden statement: marking changes nothing but the marks, every byte of the
    /// rewrite is covered, and every verbatim piece is the client's bytes at the offset it names.
    func testTheMapOfEveryGoldenStatementIsExact() throws {
        let directory = RepositoryFiles.goldenDirectory
        let inputs = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        var checked = 0
        for input in inputs {
            var sql = try RepositoryFiles.text(directory.appendingPathComponent(input))
            if sql.hasSuffix("\n") { sql.removeLast() }
            guard case .rewritten(let plain, _) = Self.rewriter.rewrite(sql) else { continue }
            guard case .rewritten(let marked, _) = Self.rewriter.rewrite(sql, marksPositions: true),
                let map = PositionMap(marked: marked)
            else {
                XCTFail("\(input): no position map")
                continue
            }
            XCTAssertEqual(map.text, plain, input)
            let original = Array(sql.utf8)
            let output = Array(plain.utf8)
            for segment in map.segments where segment.verbatim {
                let length = segment.rewritten.count
                XCTAssertLessThanOrEqual(segment.original + length, original.count, input)
                guard segment.original + length <= original.count else { continue }
                XCTAssertEqual(output[segment.rewritten], original[segment.original..<segment.original + length][...], input)
            }
            for offset in 0...output.count {
                XCTAssertNotNil(map.originalOffset(of: offset), "\(input): byte \(offset) has no origin")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }
}
