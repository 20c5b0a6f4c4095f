import Rewriter
import XCTest

/// Statements the fuzzer (docs/fuzzing.md) found the rewriter mishandling. Each rewrite must parse:
/// the fingerprint is libpg_query's parse, so nil means the server would get a syntax error the
/// client never wrote.
final class FuzzFindingTests: XCTestCase {
    private func rewriter() throws -> Rewriter {
        Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
    }

    private func rewritten(_ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard case .rewritten(let text, _) = try rewriter().rewrite(sql) else {
            XCTFail("not rewritten: \(sql)", file: file, line: line)
            return ""
        }
        XCTAssertNotNil(QueryIdentity.fingerprint(text), "the rewrite does not parse:\n\(text)", file: file, line: line)
        return text
    }

    /// `name *` (with inheritance children) left its star after the derived table.
    func testInheritanceStarGoesWithTheName() throws {
        let text = try rewritten("SELECT god_name FROM god_vocabulary_profiles * WHERE word = 'w'")
        XCTAssertTrue(text.hasSuffix(") AS god_vocabulary_profiles WHERE word = 'w'"), text)
        XCTAssertEqual(try rewriter().rewrite(text), .passThrough)
    }

    /// `ONLY(name)WHERE` and `name*WHERE` are valid without a space; the alias put in their place is not.
    func testTheAliasIsSeparatedFromAWordRightAfterTheName() throws {
        for sql in [
            "SELECT word FROM ONLY(basin_relationships)WHERE word = $1",
            "SELECT word FROM basin_relationships*WHERE word = $1",
        ] {
            XCTAssertTrue(try rewritten(sql).hasSuffix("AS basin_relationships WHERE word = $1"), sql)
        }
    }

    /// `DELETE FROM name * alias`: the star was taken for the alias.
    func testInheritanceStarInAWriteTarget() throws {
        let text = try rewritten("DELETE FROM god_vocabulary_profiles * g WHERE g.god_name = 'zeus'")
        XCTAssertTrue(text.contains("SELECT g.* FROM"), text)
    }

    /// Client text copied into the rewrite ended in a `--` comment whose newline had been trimmed,
    /// so the comment swallowed the closing parenthesis that followed it.
    func testATrailingLineCommentDoesNotSwallowTheRewrite() throws {
        let text = try rewritten(
            "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) SELECT 'zeus', 'w', 0.5 -- seed\n")
        XCTAssertFalse(text.contains("-- seed"), text)
    }

    /// After a `.` a reserved word is a name part: `USING s.returning b` names a table aliased b,
    /// and its RETURNING was taken for the clause, cutting the USING list short.
    func testAKeywordAfterADotIsANameNotAClause() throws {
        let text = try rewritten("DELETE FROM basin_relationships b USING excluded. returning WHERE b.word = 'w'")
        XCTAssertTrue(text.contains("SELECT 1 FROM excluded. returning WHERE b.word = 'w'"), text)
        XCTAssertFalse(text.hasSuffix("SELECT b FROM pgcutover_removed AS b"), text)
    }

    /// A few kilobytes of nested operators overflowed the stack of the tree walk and crashed the
    /// process; past the depth limit the statement is refused with the server's 54001 instead.
    func testDeepNestingIsRefusedNotACrash() throws {
        let deep = "SELECT * FROM god_vocabulary_profiles WHERE usage_count = " + String(repeating: "+", count: 3000) + "1"
        guard case .refused(let error) = try rewriter().rewrite(deep) else {
            return XCTFail("a statement nested 3000 deep was not refused")
        }
        XCTAssertEqual(error.sqlState, "54001")
        // Ordinary nesting is still rewritten.
        let nested = "SELECT * FROM god_vocabulary_profiles WHERE usage_count = " + String(repeating: "(-", count: 50) + "1"
            + String(repeating: ")", count: 50)
        _ = try rewritten(nested)
    }
}
