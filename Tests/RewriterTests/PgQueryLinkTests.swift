import Rewriter
import XCTest

final class PgQueryLinkTests: XCTestCase {
    func testGrammarIsPostgres15() {
        XCTAssertEqual(PgQueryVersion.postgresVersionNumber / 10000, 15)
    }
}
