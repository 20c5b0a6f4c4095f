@testable import Rewriter
import XCTest

final class LegacyNamePrecheckTests: XCTestCase {
    private let names = ["god_vocabulary_profiles", "basin_relationships"]

    /// What the skip search must agree with: every start position, ASCII case folded.
    private func naive(_ text: String, _ name: String) -> Bool {
        let text = Array(text.utf8).map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
        let name = Array(name.lowercased().utf8)
        guard text.count >= name.count else { return false }
        return (0...(text.count - name.count)).contains { Array(text[$0..<$0 + name.count]) == name }
    }

    func testFindsNamesInAnyCaseAndPosition() {
        let precheck = LegacyNamePrecheck(names: names)
        XCTAssertTrue(precheck.mayReference("basin_relationships"))
        XCTAssertTrue(precheck.mayReference("SELECT * FROM \"GOD_Vocabulary_Profiles\""))
        XCTAssertTrue(precheck.mayReference("x" + String(repeating: "basin_relationship", count: 50) + "s"))
        XCTAssertFalse(precheck.mayReference("SELECT * FROM basin_relationship"))
        XCTAssertFalse(precheck.mayReference(""))
        XCTAssertEqual(precheck.namesMentioned(in: "god_vocabulary_profiles JOIN Basin_Relationships"), names)
        XCTAssertEqual(precheck.namesMentioned(in: "basin_relationships"), ["basin_relationships"])
    }

    /// Texts made of pieces of the names (the cases where a skip table goes wrong: partial
    /// matches, repeated letters, matches at either end), in random case, against the naive search.
    func testAgreesWithTheNaiveSearch() {
        let precheck = LegacyNamePrecheck(names: names)
        let pieces = ["god_", "vocabulary_", "profiles", "basin_", "relationships", "s", "_", "o", "é", " ", "GOD_VOCAB"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...8, using: &generator) {
                let piece = pieces.randomElement(using: &generator)!
                text += Bool.random(using: &generator) ? piece.uppercased() : piece
            }
            let expected = names.filter { naive(text, $0) }
            XCTAssertEqual(precheck.namesMentioned(in: text), expected, text)
            XCTAssertEqual(precheck.mayReference(text), !expected.isEmpty, text)
        }
    }
}
