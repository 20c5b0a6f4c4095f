import NIOCore
import WireProtocol
import XCTest

final class StartupPacketTests: XCTestCase {
    private let parameters = cString("user") + cString("alice") + cString("database") + cString("db") + [0x00]

    private func packet(_ bytes: [UInt8]) throws -> StartupPacket {
        var decoder = FrameDecoder(phase: .startup)
        var buffer = ByteBuffer(bytes)
        let frame = try XCTUnwrap(try decoder.next(from: &buffer))
        XCTAssertEqual(buffer.readableBytes, 0)
        return try StartupPacket(frame: frame)
    }

    func testStartupMessage30() throws {
        let frame = [0x00, 0x00, 0x00, 0x20] + [0x00, 0x03, 0x00, 0x00] + parameters
        let message = StartupMessage(protocolVersion: 196_608, parameters: [("user", "alice"), ("database", "db")])
        assertMessage(message, frame: frame)
        XCTAssertEqual(try packet(frame), .startup(message))
        XCTAssertEqual(message.majorVersion, 3)
        XCTAssertEqual(message.minorVersion, 0)
        XCTAssertEqual(message["database"], "db")
    }

    func testStartupMessage32() throws {
        let frame = [0x00, 0x00, 0x00, 0x20] + [0x00, 0x03, 0x00, 0x02] + parameters
        let message = StartupMessage(protocolVersion: 196_610, parameters: [("user", "alice"), ("database", "db")])
        assertMessage(message, frame: frame)
        XCTAssertEqual(try packet(frame), .startup(message))
        XCTAssertEqual(message.minorVersion, 2)
    }

    func testSSLRequest() throws {
        let frame: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        assertMessage(SSLRequest(), frame: frame)
        XCTAssertEqual(try packet(frame), .sslRequest)
    }

    func testGSSENCRequest() throws {
        let frame: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x30]
        assertMessage(GSSENCRequest(), frame: frame)
        XCTAssertEqual(try packet(frame), .gssEncRequest)
    }

    func testCancelRequestWith4ByteKey() throws {
        let frame: [UInt8] =
            [0x00, 0x00, 0x00, 0x10] + [0x04, 0xd2, 0x16, 0x2e] + [0x00, 0x00, 0x04, 0xd2] + [0xde, 0xad, 0xbe, 0xef]
        let request = CancelRequest(processID: 1234, secretKey: ByteBuffer([0xde, 0xad, 0xbe, 0xef]))
        assertMessage(request, frame: frame, trailing: .absorbed)
        XCTAssertEqual(try packet(frame), .cancel(request))
    }

    func testCancelRequestWith32ByteKey() throws {
        let key = (0..<32).map { UInt8(0xa0 + $0) }
        let frame: [UInt8] = [0x00, 0x00, 0x00, 0x2c] + [0x04, 0xd2, 0x16, 0x2e] + [0x00, 0x00, 0x04, 0xd2] + key
        let request = CancelRequest(processID: 1234, secretKey: ByteBuffer(key))
        assertMessage(request, frame: frame, prefixes: .validFrom(12), trailing: .absorbed)
        XCTAssertEqual(try packet(frame), .cancel(request))
    }

    func testCancelRequestRejectsKeysOver256Bytes() {
        assertViolation(.invalidValue, naming: "CancelRequest") {
            try CancelRequest(payload: ByteBuffer([0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1] + Array(repeating: 1, count: 257)))
        }
    }

    func testRequestsWithTheWrongCodeAreRefused() {
        let startup: [UInt8] = [0x00, 0x03, 0x00, 0x00]
        assertViolation(.invalidValue, naming: "SSLRequest") { try SSLRequest(payload: ByteBuffer(startup)) }
        assertViolation(.invalidValue, naming: "GSSENCRequest") { try GSSENCRequest(payload: ByteBuffer(startup)) }
        assertViolation(.invalidValue, naming: "CancelRequest") {
            try CancelRequest(payload: ByteBuffer(startup + [0, 0, 0, 1, 1, 2, 3, 4]))
        }
    }

    func testUnknownProtocolMajorIsRefused() {
        for version: [UInt8] in [[0x00, 0x02, 0x00, 0x00], [0x00, 0x04, 0x00, 0x00], [0x04, 0xd2, 0x16, 0x31]] {
            let frame = Frame(id: nil, bytes: ByteBuffer([0x00, 0x00, 0x00, 0x09] + version + [0x00]))
            assertViolation(.invalidValue, naming: "unsupported frontend protocol") { try StartupPacket(frame: frame) }
        }
    }

    func testNewerMinorVersionIsAcceptedForNegotiation() throws {
        // The server answers 3.9 with NegotiateProtocolVersion rather than refusing it.
        guard case .startup(let message) = try packet([0x00, 0x00, 0x00, 0x09, 0x00, 0x03, 0x00, 0x09, 0x00]) else {
            return XCTFail("not a StartupMessage")
        }
        XCTAssertEqual(message.minorVersion, 9)
    }

    func testTypedFrameIsNotAStartupPacket() {
        assertViolation(.unexpectedMessage, naming: "startup packet") {
            try StartupPacket(frame: Frame(id: 0x51, bytes: ByteBuffer([0x51, 0x00, 0x00, 0x00, 0x04])))
        }
    }

    func testSSLRequestThenStartupMessageThenQueryInOneRead() throws {
        var buffer = ByteBuffer(
            [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
                + [0x00, 0x00, 0x00, 0x20, 0x00, 0x03, 0x00, 0x00] + parameters
                + byte1("Q") + [0x00, 0x00, 0x00, 0x0d] + cString("SELECT 1"))
        var decoder = FrameDecoder(phase: .startup)
        XCTAssertEqual(try StartupPacket(frame: try XCTUnwrap(try decoder.next(from: &buffer))), .sslRequest)
        guard case .startup = try StartupPacket(frame: try XCTUnwrap(try decoder.next(from: &buffer))) else {
            return XCTFail("expected the StartupMessage")
        }
        decoder.phase = .messages
        XCTAssertEqual(try Query(frame: try XCTUnwrap(try decoder.next(from: &buffer))), Query(sql: "SELECT 1"))
        XCTAssertEqual(buffer.readableBytes, 0)
    }
}
