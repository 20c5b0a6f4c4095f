import Foundation
import Migrator
import XCTest

final class DemoDataTests: XCTestCase {
    func testSameSeedSameRowsOtherSeedOtherRows() {
        let shape = DemoDataShape(scale: 0.05)
        let a = DemoDataGenerator(shape: shape, seed: 42).generate()
        let b = DemoDataGenerator(shape: shape, seed: 42).generate()
        let c = DemoDataGenerator(shape: shape, seed: 43).generate()
        XCTAssertEqual(a.tokens, b.tokens)
        XCTAssertEqual(a.godProfiles, b.godProfiles)
        XCTAssertEqual(a.relationships, b.relationships)
        XCTAssertNotEqual(a.relationships, c.relationships)
    }

    func testFullScaleHasProductionShape() {
        let rows = DemoDataGenerator(shape: DemoDataShape(scale: 1.0), seed: 1).generate()
        XCTAssertEqual(rows.tokens.count, 16_031)
        XCTAssertEqual(rows.godProfiles.count, 109)
        XCTAssertEqual(Set(rows.godProfiles.map(\.godName)).count, 12)
        XCTAssertEqual(rows.relationships.count, 362_145)
        let vocabulary = Set(rows.tokens.map(\.token))
        XCTAssertEqual(vocabulary.count, 16_031, "tokens are unique")
        let relWords = Dictionary(grouping: rows.relationships, by: \.word)
        XCTAssertEqual(relWords.count, 8_513)
        XCTAssertGreaterThan(relWords.values.map(\.count).max() ?? 0, 300, "a long tail: some words with hundreds of neighbors")
        XCTAssertLessThan(relWords.values.map(\.count).sorted()[relWords.count / 2], 60, "most words have few")
        let profileWords = Set(rows.godProfiles.map(\.word))
        XCTAssertEqual(profileWords.count, 97)
        XCTAssertGreaterThan(profileWords.subtracting(vocabulary).count, 0, "some profile words are not in the vocabulary")
        XCTAssertGreaterThan(rows.godProfiles.filter { $0.learnedFromPhi == nil }.count, 0)
        XCTAssertGreaterThan(rows.relationships.filter { $0.strength == nil }.count, 0)
        XCTAssertTrue(vocabulary.contains { $0.contains("'") })
        XCTAssertTrue(vocabulary.contains { $0.contains("\"") })
        XCTAssertTrue(vocabulary.contains { $0.unicodeScalars.contains { !$0.isASCII } })
        let pairs = Set(rows.relationships.map { "\($0.word)\u{0}\($0.neighbor)" })
        XCTAssertEqual(pairs.count, rows.relationships.count, "(word, neighbor) is unique")
    }

    func testLegacySchemaDocQuotesTheFixture() throws {
        let doc = try String(contentsOf: TestDatabase.packageRoot.appendingPathComponent("docs/legacy-schema.md"), encoding: .utf8)
        for statement in LegacySchema.statements {
            XCTAssertTrue(doc.contains(statement), "docs/legacy-schema.md lacks:\n\(statement)")
        }
    }

    func testConnectionSettingsFromURLAndEnvironment() throws {
        let url = try ConnectionSettings.fromURL("postgresql://u%40x:p%3Ass@db.example:6543/app?sslmode=require")
        XCTAssertEqual(url, ConnectionSettings(host: "db.example", port: 6543, user: "u@x", password: "p:ss", database: "app", sslMode: .require))
        let env = try ConnectionSettings.fromEnvironment(["PGHOST": "h", "PGPORT": "7", "PGUSER": "me", "PGPASSWORD": "pw",
                                                          "PGDATABASE": "d", "PGSSLMODE": "disable"])
        XCTAssertEqual(env, ConnectionSettings(host: "h", port: 7, user: "me", password: "pw", database: "d", sslMode: .disable))
        XCTAssertThrowsError(try ConnectionSettings.fromURL("mysql://x"))
        XCTAssertThrowsError(try ConnectionSettings.fromEnvironment(["PGSSLMODE": "sometimes"]))
    }
}
