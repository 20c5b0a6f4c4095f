import Foundation
import Rewriter
import XCTest

/// `missing_target_row = "refuse"`: a write for a word with no coordizer_vocabulary row is refused
/// with 23503 naming the word, and nothing is written; writes for existing words go through as with
/// the default (`create`), which makes the row. Each write runs on the folded database inside a
/// transaction that is rolled back, so the shared fixture stays as it was.
final class MissingTargetRowPolicyTests: XCTestCase {
    private var migrated: Psql!

    override func setUpWithError() throws {
        migrated = try DifferentialDatabases.shared.get().migrated
    }

    /// The shipped mapping with its `missing_target_row` line set to `policy`, or left out.
    private func rewriter(_ policy: String?) throws -> Rewriter {
        let shipped = try RepositoryFiles.text(URL(fileURLWithPath: RepositoryFiles.mappingPath))
        let line = "missing_target_row = \"create\"\n"
        XCTAssertTrue(shipped.contains(line), "the shipped mapping states the default")
        let text = shipped.replacingOccurrences(of: line, with: policy.map { "missing_target_row = \"\($0)\"\n" } ?? "")
        return Rewriter(mapping: try Mapping(toml: text))
    }

    private struct NotRewritten: Error {
        let outcome: RewriteOutcome
    }

    private func rewritten(_ sql: String, _ rewriter: Rewriter) throws -> String {
        let outcome = rewriter.rewrite(sql)
        guard case .rewritten(let text, _) = outcome else { throw NotRewritten(outcome: outcome) }
        return text
    }

    /// Runs the statement and, in the same transaction, `probe`; rolls back. Returns the probe's value.
    private func runRolledBack(_ sql: String, probe: String) throws -> String {
        let output = try migrated.run("\\set VERBOSITY verbose\nBEGIN;\n\(sql);\n\(probe);\nROLLBACK;")
        // The rewritten write returns its legacy row count too; the probe's value comes last.
        let separators = CharacterSet(charactersIn: Psql.recordSeparator).union(.whitespacesAndNewlines)
        return output.components(separatedBy: separators).last { !$0.isEmpty } ?? ""
    }

    private static let newWord = "pgcutover refuse ' probe"
    private static let newWordLiteral = "'pgcutover refuse '' probe'"
    private static let tokenCount = "SELECT count(*) FROM coordizer_vocabulary WHERE token = \(newWordLiteral)"

    func testMappingReadsThePolicy() throws {
        XCTAssertEqual(try rewriter(nil).mapping.missingTargetRow, .create)
        XCTAssertEqual(try rewriter("refuse").mapping.missingTargetRow, .refuse)
        XCTAssertEqual(try rewriter("create").mapping.missingTargetRow, .create)
        XCTAssertThrowsError(try rewriter("ignore"))
    }

    func testRefuseNamesTheWordAndWritesNothing() throws {
        let refuse = try rewriter("refuse")
        let statements = [
            "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES (\(Self.newWordLiteral), 'w001', 2)",
            "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('zeus', \(Self.newWordLiteral), 0.5)"
                + " ON CONFLICT (god_name, word) DO UPDATE SET usage_count = god_vocabulary_profiles.usage_count + 1",
            // One known word and one new one: the whole statement is refused.
            "INSERT INTO basin_relationships (word, neighbor) VALUES ('w001', 'refuse probe'), (\(Self.newWordLiteral), 'w002')",
        ]
        for sql in statements {
            let text = try rewritten(sql, refuse)
            XCTAssertThrowsError(try runRolledBack(text, probe: Self.tokenCount), sql) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("23503"), message)
                XCTAssertTrue(message.contains("Key (word)=(\(Self.newWord)) is not present"), message)
            }
        }
    }

    func testRefuseLetsWritesForExistingWordsThrough() throws {
        let refuse = try rewriter("refuse")
        let sql = "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES ('w001', 'refuse probe', 2)"
        let probe = "SELECT count(*) FROM coordizer_vocabulary, jsonb_array_elements(relationships) AS e"
            + " WHERE token = 'w001' AND e->>'neighbor' = 'refuse probe'"
        XCTAssertEqual(try runRolledBack(try rewritten(sql, refuse), probe: probe), "1")
    }

    func testCreateMakesTheTokenRow() throws {
        let create = try rewriter(nil)
        let sql = "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count) VALUES (\(Self.newWordLiteral), 'w001', 2)"
        let probe = Self.tokenCount + " AND active = false"
        XCTAssertEqual(try runRolledBack(try rewritten(sql, create), probe: probe), "1")
    }
}
