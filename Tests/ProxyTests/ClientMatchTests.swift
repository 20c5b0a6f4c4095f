@testable import Proxy
import XCTest

/// What cutover rules and the admin console's allowed addresses match clients on: IP addresses,
/// CIDR blocks and `*` globs.
final class ClientMatchTests: XCTestCase {
    func testAddressesParseAsTheirBytes() throws {
        XCTAssertEqual(IPAddress("10.1.2.3")?.bytes, [10, 1, 2, 3])
        XCTAssertEqual(IPAddress("::1")?.bytes, Array(repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddress("fd00::1:2")?.bytes, [0xfd, 0] + Array(repeating: 0, count: 10) + [0, 1, 0, 2])
        XCTAssertEqual(IPAddress("fe80::1%eth0")?.bytes.count, 16, "a zone index is not part of the address")
        // A dual-stack socket reports IPv4 clients as IPv4-mapped IPv6: they match IPv4 rules.
        XCTAssertEqual(IPAddress("::ffff:10.1.2.3")?.bytes, [10, 1, 2, 3])
        for bad in ["", "10.1.2", "10.1.2.256", "1.2.3.4.5", "10.1.2.x", ":::", "1::2::3", "12345::1", "1:2:3:4:5:6:7:8:9"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertEqual(IPAddress("10.0.0.7")?.description, "10.0.0.7")
    }

    func testBlocksContainWhatTheirPrefixCovers() throws {
        let office = try XCTUnwrap(CIDR("10.1.0.0/16"))
        XCTAssertTrue(office.contains(try XCTUnwrap(IPAddress("10.1.255.7"))))
        XCTAssertFalse(office.contains(try XCTUnwrap(IPAddress("10.2.0.1"))))
        XCTAssertFalse(office.contains(try XCTUnwrap(IPAddress("::1"))), "IPv6 never matches an IPv4 block")
        let odd = try XCTUnwrap(CIDR("192.168.1.128/25"))
        XCTAssertTrue(odd.contains(try XCTUnwrap(IPAddress("192.168.1.200"))))
        XCTAssertFalse(odd.contains(try XCTUnwrap(IPAddress("192.168.1.127"))))
        XCTAssertTrue(try XCTUnwrap(CIDR("0.0.0.0/0")).contains(try XCTUnwrap(IPAddress("203.0.113.9"))))
        XCTAssertTrue(try XCTUnwrap(CIDR("fd00::/8")).contains(try XCTUnwrap(IPAddress("fd12:3456::1"))))
        XCTAssertFalse(try XCTUnwrap(CIDR("fd00::/8")).contains(try XCTUnwrap(IPAddress("fe80::1"))))
        let one = try XCTUnwrap(CIDR("127.0.0.1"))
        XCTAssertEqual(one.prefixLength, 32, "a bare address is a block of one")
        XCTAssertFalse(one.contains(try XCTUnwrap(IPAddress("127.0.0.2"))))
        for bad in ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "::/129", "10.0.0.0/8/8", "nonsense/8"] {
            XCTAssertNil(CIDR(bad), bad)
        }
    }

    func testGlobsMatchRunsOfAnyCharacters() {
        let cases: [(String, String, Bool)] = [
            ("nightly_scorer", "nightly_scorer", true), ("nightly_scorer", "nightly_scorer2", false),
            ("nightly_*", "nightly_scorer", true), ("nightly_*", "nightly_", true), ("nightly_*", "nightly", false),
            ("*", "", true), ("*", "anything", true), ("", "", true), ("", "x", false),
            ("*scorer*", "the_scorer_v2", true), ("a*b*c", "aXXbYYc", true), ("a*b*c", "aXXbYY", false),
            ("a*a", "aaa", true), ("Zeus*", "zeus_app", false), ("Ζεύς*", "Ζεύς-loader", true),
        ]
        for (pattern, text, expected) in cases {
            XCTAssertEqual(ClientMatch.glob(pattern, text), expected, "\(pattern) ~ \(text)")
        }
    }

    func testEveryConditionSetMustHold() throws {
        let match = ClientMatch(applicationName: "loader*", user: "etl", database: nil, clientAddress: CIDR("10.0.0.0/8"))
        let client = ClientIdentity(applicationName: "loader-7", user: "etl", database: "words", address: IPAddress("10.9.9.9"))
        XCTAssertTrue(match.matches(client))
        var other = client
        other.user = "etl2"
        XCTAssertFalse(match.matches(other))
        other = client
        other.address = nil
        XCTAssertFalse(match.matches(other), "an address rule never matches a client whose address is unknown")
        XCTAssertTrue(ClientMatch().matches(other), "a rule with no condition matches everyone")
    }
}
