import Foundation
import Proxy
import XCTest

final class ShadowSettingsTests: XCTestCase {
    func testShadowSectionIsRead() throws {
        let configuration = try ConfigurationFile.parse(
            """
            [cutover]
            mode = "shadow"
            [cutover.shadow]
            user = "pgcutover_shadow"
            password = "s3cret"
            max_concurrent = 2
            queue_capacity = 10
            statement_timeout_ms = 750
            """, file: "test.toml")
        let shadow = try XCTUnwrap(configuration.shadow)
        XCTAssertEqual(shadow.user, "pgcutover_shadow")
        XCTAssertEqual(shadow.password, "s3cret")
        XCTAssertEqual(shadow.maximumConcurrent, 2)
        XCTAssertEqual(shadow.queueCapacity, 10)
        XCTAssertEqual(shadow.statementTimeoutMilliseconds, 750)
    }

    func testDefaultsAndNoSectionMeansNoSettings() throws {
        XCTAssertNil(try ConfigurationFile.parse("[cutover]\nmode = \"shadow\"\n", file: "t.toml").shadow)
        let shadow = try XCTUnwrap(
            try ConfigurationFile.parse("[cutover.shadow]\nuser = \"u\"\n", file: "t.toml").shadow)
        XCTAssertNil(shadow.password)
        XCTAssertEqual(shadow.maximumConcurrent, 4)
        XCTAssertEqual(shadow.queueCapacity, 1024)
        XCTAssertEqual(shadow.statementTimeoutMilliseconds, 5000)
    }

    func testPasswordFileTakesItsFirstLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shadow-\(UUID()).pw").path
        try Data("from file\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shadow = try XCTUnwrap(
            try ConfigurationFile.parse("[cutover.shadow]\nuser = \"u\"\npassword_file = \"\(path)\"\n", file: "t.toml").shadow)
        XCTAssertEqual(shadow.password, "from file")
    }

    func testMistakesNameFileLineAndKey() {
        let cases: [(String, String)] = [
            ("[cutover.shadow]\npassword = \"x\"\n", "t.toml: cutover.shadow.user: is required in [cutover.shadow]"),
            ("[cutover.shadow]\nuser = \"u\"\nmax_concurrent = 0\n", "t.toml:3: cutover.shadow.max_concurrent: must be between 1 and 1024, not 0"),
            ("[cutover.shadow]\nuser = \"u\"\npasword = \"x\"\n", "t.toml:3: cutover.shadow.pasword: unknown key"),
            ("[cutover.shadow]\nuser = \"u\"\npassword = \"a\"\npassword_file = \"/p\"\n",
             "t.toml:4: cutover.shadow.password_file: set password or password_file, not both"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ConfigurationFile.parse(text, file: "t.toml")) { error in
                XCTAssertEqual("\(error)", expected)
            }
        }
    }
}
