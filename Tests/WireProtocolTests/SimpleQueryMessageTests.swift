import NIOCore
import WireProtocol
import XCTest

final class SimpleQueryMessageTests: XCTestCase {
    func testQuery() {
        assertMessage(Query(sql: "SELECT 1"), frame: byte1("Q") + [0x00, 0x00, 0x00, 0x0d] + cString("SELECT 1"))
        assertMessage(Query(sql: ""), frame: byte1("Q") + [0x00, 0x00, 0x00, 0x05, 0x00])
    }

    func testEmptyQueryResponse() {
        assertMessage(EmptyQueryResponse(), frame: byte1("I") + [0x00, 0x00, 0x00, 0x04])
    }

    func testReadyForQuery() {
        assertMessage(ReadyForQuery(status: .idle), frame: byte1("Z") + [0x00, 0x00, 0x00, 0x05] + byte1("I"))
        assertMessage(ReadyForQuery(status: .inTransaction), frame: byte1("Z") + [0x00, 0x00, 0x00, 0x05] + byte1("T"))
        assertMessage(
            ReadyForQuery(status: .failedTransaction), frame: byte1("Z") + [0x00, 0x00, 0x00, 0x05] + byte1("E"))
        assertViolation(.invalidValue, naming: "ReadyForQuery") { try ReadyForQuery(payload: ByteBuffer(ascii("X"))) }
    }

    func testErrorResponse() {
        assertMessage(
            ErrorResponse(fields: .error(sqlState: "42P01", message: "no such table")),
            frame: byte1("E") + [0x00, 0x00, 0x00, 0x29]
                + byte1("S") + cString("ERROR") + byte1("V") + cString("ERROR")
                + byte1("C") + cString("42P01") + byte1("M") + cString("no such table") + [0x00])
    }

    func testErrorResponseKeepsUnknownFields() throws {
        let error = try ErrorResponse(payload: ByteBuffer(byte1("Z") + cString("future") + byte1("C") + cString("XX000") + [0x00]))
        XCTAssertEqual(error.fields[ErrorFields.Code(rawValue: UInt8(ascii: "Z"))], "future")
        XCTAssertEqual(error.fields.sqlState, "XX000")
    }

    func testNoticeResponse() {
        assertMessage(
            NoticeResponse(
                fields: ErrorFields([(.localizedSeverity, "NOTICE"), (.severity, "NOTICE"), (.sqlState, "00000"), (.message, "hi")])),
            frame: byte1("N") + [0x00, 0x00, 0x00, 0x20]
                + byte1("S") + cString("NOTICE") + byte1("V") + cString("NOTICE")
                + byte1("C") + cString("00000") + byte1("M") + cString("hi") + [0x00])
    }

    func testParameterStatus() {
        assertMessage(
            ParameterStatus(name: "client_encoding", value: "UTF8"),
            frame: byte1("S") + [0x00, 0x00, 0x00, 0x19] + cString("client_encoding") + cString("UTF8"))
    }

    func testNotificationResponse() {
        assertMessage(
            NotificationResponse(processID: 4321, channel: "jobs", payload: "42"),
            frame: byte1("A") + [0x00, 0x00, 0x00, 0x10] + [0x00, 0x00, 0x10, 0xe1] + cString("jobs") + cString("42"))
    }

    func testTerminate() {
        assertMessage(Terminate(), frame: byte1("X") + [0x00, 0x00, 0x00, 0x04])
    }

    func testFunctionCall() {
        assertMessage(
            FunctionCall(
                functionOID: 952, argumentFormats: [.binary],
                arguments: [ByteBuffer([0x00, 0x00, 0x40, 0x00]), ByteBuffer([0x00, 0x06, 0x00, 0x00])],
                resultFormat: .binary),
            frame: byte1("F") + [0x00, 0x00, 0x00, 0x20] + [0x00, 0x00, 0x03, 0xb8]
                + [0x00, 0x01] + [0x00, 0x01]
                + [0x00, 0x02] + [0x00, 0x00, 0x00, 0x04] + [0x00, 0x00, 0x40, 0x00]
                + [0x00, 0x00, 0x00, 0x04] + [0x00, 0x06, 0x00, 0x00]
                + [0x00, 0x01])
        assertMessage(
            FunctionCall(functionOID: 1, arguments: [nil]),
            frame: byte1("F") + [0x00, 0x00, 0x00, 0x12] + [0x00, 0x00, 0x00, 0x01]
                + [0x00, 0x00] + [0x00, 0x01] + [0xff, 0xff, 0xff, 0xff] + [0x00, 0x00])
    }

    func testFunctionCallRejectsNegativeArgumentLength() {
        assertViolation(.invalidValue, naming: "FunctionCall") {
            try FunctionCall(
                payload: ByteBuffer([0, 0, 0, 1] + [0x00, 0x00] + [0x00, 0x01] + [0xff, 0xff, 0xff, 0xf0] + [0x00, 0x00]))
        }
    }

    func testFunctionCallResponse() {
        assertMessage(
            FunctionCallResponse(result: ByteBuffer([0x00, 0x00, 0x00, 0x01])),
            frame: byte1("V") + [0x00, 0x00, 0x00, 0x0c] + [0x00, 0x00, 0x00, 0x04] + [0x00, 0x00, 0x00, 0x01])
        assertMessage(
            FunctionCallResponse(result: nil), frame: byte1("V") + [0x00, 0x00, 0x00, 0x08] + [0xff, 0xff, 0xff, 0xff])
        assertViolation(.invalidValue, naming: "FunctionCallResponse") {
            try FunctionCallResponse(payload: ByteBuffer([0xff, 0xff, 0xff, 0xfe]))
        }
    }

    func testNegotiateProtocolVersion() {
        assertMessage(
            NegotiateProtocolVersion(newestMinorVersion: 0, unrecognizedOptions: ["_pq_.foo"]),
            frame: byte1("v") + [0x00, 0x00, 0x00, 0x15] + [0x00, 0x00, 0x00, 0x00] + [0x00, 0x00, 0x00, 0x01]
                + cString("_pq_.foo"))
        assertMessage(
            NegotiateProtocolVersion(newestMinorVersion: 2),
            frame: byte1("v") + [0x00, 0x00, 0x00, 0x0c] + [0x00, 0x00, 0x00, 0x02] + [0x00, 0x00, 0x00, 0x00])
    }

    func testNegotiateProtocolVersionRejectsBadCounts() {
        assertViolation(.invalidValue, naming: "NegotiateProtocolVersion") {
            try NegotiateProtocolVersion(payload: ByteBuffer([0, 0, 0, 0] + [0xff, 0xff, 0xff, 0xff]))
        }
        assertViolation(.truncated, naming: "NegotiateProtocolVersion") {
            try NegotiateProtocolVersion(payload: ByteBuffer([0, 0, 0, 0] + [0x7f, 0xff, 0xff, 0xff] + cString("a")))
        }
    }
}
