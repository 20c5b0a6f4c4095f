import Foundation
import Proxy
import XCTest

final class AdminMetricsConfigurationTests: XCTestCase {
    func testAdminAndMetricsAreOffWithoutTheirSections() throws {
        let configuration = try ConfigurationFile.parse("[log]\nlevel = \"info\"\n", file: "test.toml")
        XCTAssertNil(configuration.admin)
        XCTAssertNil(configuration.metrics)
    }

    func testAdminSectionIsReadWithLoopbackByDefault() throws {
        let configuration = try ConfigurationFile.parse("""
            [admin]
            users = ["pgcutover_admin", "ops"]
            password = "s3cret"
            """, file: "test.toml")
        XCTAssertEqual(configuration.admin, AdminSettings(users: ["pgcutover_admin", "ops"], password: "s3cret"))
        XCTAssertEqual(configuration.admin?.allowedAddresses.map(\.description), ["127.0.0.1/32", "0:0:0:0:0:0:0:1/128"])
        XCTAssertEqual(configuration.admin?.allows(IPAddress("127.0.0.1")), true)
        XCTAssertEqual(configuration.admin?.allows(IPAddress("192.168.1.1")), false)
    }

    func testAllowedAddressesAndPasswordFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgcutover-admin-pw-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try ConfigurationFile.parse("""
            [admin]
            users = ["a"]
            password_file = "\(path)"
            allowed_addresses = ["10.0.0.0/8", "::1"]
            """, file: "test.toml")
        XCTAssertEqual(configuration.admin?.password, "from-file")
        XCTAssertEqual(configuration.admin?.allowedAddresses, [CIDR("10.0.0.0/8")!, CIDR("::1/128")!])
    }

    func testAdminMistakesNameTheLineAndKey() {
        func problem(_ text: String) -> String? {
            do {
                _ = try ConfigurationFile.parse(text, file: "test.toml")
                return nil
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(problem("[admin]\npassword = \"x\"\n"), "test.toml: admin.users: must list at least one admin user name")
        XCTAssertEqual(problem("[admin]\nusers = \"a\"\npassword = \"x\"\n"), "test.toml:2: admin.users: must be an array of strings")
        XCTAssertEqual(problem("[admin]\nusers = [\"a\"]\n"), "test.toml: admin.password: is required (or password_file)")
        XCTAssertEqual(
            problem("[admin]\nusers = [\"a\"]\npassword = \"x\"\npassword_file = \"/nonexistent\"\n"),
            "test.toml:4: admin.password_file: cannot be set together with password")
        XCTAssertEqual(
            problem("[admin]\nusers = [\"a\"]\npassword = \"x\"\nallowed_addresses = [\"10.0.0.0/33\"]\n"),
            "test.toml:4: admin.allowed_addresses: \"10.0.0.0/33\" is not an address or CIDR block")
        XCTAssertEqual(problem("[admin]\nusers = [\"a\"]\npassword = \"x\"\nport = 1\n"), "test.toml:4: admin.port: unknown key")
        XCTAssertEqual(problem("[metrics]\nlisten = \"nowhere\"\n"), "test.toml:2: metrics.listen: must be \"HOST:PORT\", not \"nowhere\"")
    }

    func testMetricsListenDefaultsToLoopbackWhenTheSectionIsPresent() throws {
        XCTAssertEqual(try ConfigurationFile.parse("[metrics]\n", file: "t").metrics?.listen, HostPort(host: "127.0.0.1", port: 9187))
        XCTAssertEqual(
            try ConfigurationFile.parse("[metrics]\nlisten = \"0.0.0.0:9300\"\n", file: "t").metrics?.listen,
            HostPort(host: "0.0.0.0", port: 9300))
    }
}
