import Rewriter
import XCTest

final class QueryIdentityTests: XCTestCase {
    func testFingerprintIgnoresConstants() throws {
        let a = try XCTUnwrap(QueryIdentity.fingerprint("SELECT * FROM god_vocabulary_profiles WHERE god_name = 'zeus'"))
        let b = try XCTUnwrap(QueryIdentity.fingerprint("select * from god_vocabulary_profiles where god_name = 'hera'"))
        let c = try XCTUnwrap(QueryIdentity.fingerprint("SELECT * FROM basin_relationships WHERE word = 'zeus'"))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.count, 16)
    }

    func testNormalizeReplacesConstants() {
        XCTAssertEqual(
            QueryIdentity.normalize("SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus' LIMIT 5"),
            "SELECT word FROM god_vocabulary_profiles WHERE god_name = $1 LIMIT $2")
        XCTAssertNil(QueryIdentity.fingerprint("SELEC 1"))
    }
}
