import Rewriter
import XCTest

/// Every read of the corpus, run directly on the legacy tables and rewritten on the folded
/// columns of a copy of the same data (whose legacy tables are dropped), must give the same
/// column names, types, parameter types and rows.
final class ReadDifferentialTests: XCTestCase {
    private var databases: DifferentialDatabases!
    private var rewriter: Rewriter!

    override func setUpWithError() throws {
        databases = try DifferentialDatabases.shared.get()
        rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: RepositoryFiles.mappingPath))
    }

    func testSeedStatements() throws {
        for read in ReadCorpus.seed { try assertSameResult(read) }
    }

    func testReadCorpus() throws {
        XCTAssertGreaterThanOrEqual(ReadCorpus.cases.count, 80)
        for read in ReadCorpus.cases { try assertSameResult(read) }
    }

    func testCopyTo() throws {
        for sql in ReadCorpus.copies {
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else {
                XCTFail("not rewritten: \(sql)")
                continue
            }
            let legacy = try databases.legacy.copyOutput(sql)
            let migrated = try databases.migrated.copyOutput(rewritten)
            XCTAssertFalse(legacy.isEmpty, sql)
            XCTAssertEqual(legacy.sorted(), migrated.sorted(), sql)
        }
    }

    /// The seed's two statements must use the indexes migration 0020 created. The fixture is
    /// small, so sequential scans are disabled to ask whether an index *can* serve the predicate.
    func testSeedStatementsUseIndexes() throws {
        let expectations = [
            ("SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = 'zeus'", "idx_coordizer_god_profile"),
            ("SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY(ARRAY['w001', 'w002'])", "tokenizer_vocabulary_token_unique"),
            ("SELECT * FROM basin_relationships WHERE neighbor = 'w010'", "idx_coordizer_relationships"),
        ]
        for (sql, index) in expectations {
            guard case .rewritten(let rewritten, _) = rewriter.rewrite(sql) else {
                XCTFail("not rewritten: \(sql)")
                continue
            }
            let plan = try databases.migrated.run("SET enable_seqscan = off;\nEXPLAIN \(rewritten);\n")
            XCTAssertTrue(plan.contains(index), "\(sql)\nplan:\n\(plan)")
        }
    }

    private func assertSameResult(_ read: ReadCase, file: StaticString = #filePath, line: UInt = #line) throws {
        guard case .rewritten(let rewritten, _) = rewriter.rewrite(read.sql) else {
            XCTFail("\(read.name): not rewritten: \(rewriter.rewrite(read.sql))", file: file, line: line)
            return
        }
        let legacy = try databases.legacy.result(of: read.sql, arguments: read.arguments)
        let migrated: QueryResult
        do {
            migrated = try databases.migrated.result(of: rewritten, arguments: read.arguments)
        } catch {
            XCTFail("\(read.name): rewritten statement failed: \(error)", file: file, line: line)
            return
        }
        XCTAssertFalse(legacy.rows.isEmpty, "\(read.name): the fixture should make this read return rows", file: file, line: line)
        var expected = legacy
        var actual = migrated
        if !read.ordered {
            expected.rows.sort()
            actual.rows.sort()
        }
        XCTAssertEqual(expected, actual, "\(read.name)\n\(read.sql)\n→ \(rewritten)", file: file, line: line)
    }
}
