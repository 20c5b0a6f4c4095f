import NIOCore
import WireProtocol
import XCTest

final class ExtendedQueryMessageTests: XCTestCase {
    func testParse() {
        assertMessage(
            Parse(statementName: "s1", query: "SELECT $1", parameterTypes: [23]),
            frame: byte1("P") + [0x00, 0x00, 0x00, 0x17] + cString("s1") + cString("SELECT $1")
                + [0x00, 0x01] + [0x00, 0x00, 0x00, 0x17])
        assertMessage(
            Parse(statementName: "", query: "SELECT 1"),
            frame: byte1("P") + [0x00, 0x00, 0x00, 0x10] + [0x00] + cString("SELECT 1") + [0x00, 0x00])
    }

    func testParseCountIsUnsigned() throws {
        // 0x8000 parameter types: a valid Parse for the server, which reads the count unsigned.
        var bytes = [0x00] + cString("SELECT 1") + [0x80, 0x00]
        bytes += Array(repeating: 0x00, count: 0x8000 * 4)
        let parse = try Parse(payload: ByteBuffer(bytes))
        XCTAssertEqual(parse.parameterTypes.count, 0x8000)
    }

    func testParseWithHostileCountFailsWithoutReading() {
        assertViolation(.truncated, naming: "Parse") {
            try Parse(payload: ByteBuffer([0x00] + cString("SELECT 1") + [0xff, 0xff, 0x00, 0x00, 0x00, 0x17]))
        }
    }

    func testBind() {
        assertMessage(
            Bind(
                portalName: "", statementName: "s1", parameterFormats: [.binary],
                parameters: [ByteBuffer([0x00, 0x00, 0x00, 0x2a]), nil], resultFormats: [.text, .binary]),
            frame: byte1("B") + [0x00, 0x00, 0x00, 0x20] + [0x00] + cString("s1")
                + [0x00, 0x01] + [0x00, 0x01]
                + [0x00, 0x02] + [0x00, 0x00, 0x00, 0x04] + [0x00, 0x00, 0x00, 0x2a] + [0xff, 0xff, 0xff, 0xff]
                + [0x00, 0x02] + [0x00, 0x00] + [0x00, 0x01])
        assertMessage(
            Bind(portalName: "p", statementName: ""),
            frame: byte1("B") + [0x00, 0x00, 0x00, 0x0d] + cString("p") + [0x00] + [0x00, 0x00] + [0x00, 0x00]
                + [0x00, 0x00])
    }

    func testBindKeepsParameterValuesAsSlicesOfTheFrame() throws {
        let payload = ByteBuffer(
            [0x00, 0x00] + [0x00, 0x00] + [0x00, 0x01] + [0x00, 0x00, 0x00, 0x03] + ascii("abc") + [0x00, 0x00])
        let bind = try Bind(payload: payload)
        let value = try XCTUnwrap(bind.parameters[0])
        XCTAssertEqual(value, ByteBuffer(ascii("abc")))
        payload.withUnsafeReadableBytes { frameBytes in
            value.withUnsafeReadableBytes { valueBytes in
                XCTAssertEqual(valueBytes.baseAddress, frameBytes.baseAddress! + 10, "value was copied")
            }
        }
    }

    func testBindRejectsNegativeValueLength() {
        assertViolation(.invalidValue, naming: "Bind") {
            try Bind(payload: ByteBuffer([0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe, 0x00, 0x00]))
        }
    }

    func testBindKeepsUnknownFormatCodesForTheServerToRefuse() throws {
        let bind = try Bind(payload: ByteBuffer([0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00]))
        XCTAssertEqual(bind.parameterFormats, [FormatCode(rawValue: 7)])
    }

    func testFormatShorthand() {
        XCTAssertEqual([FormatCode]().format(at: 3), .text)
        XCTAssertEqual([FormatCode.binary].format(at: 3), .binary)
        XCTAssertEqual([FormatCode.binary, .text].format(at: 1), .text)
        XCTAssertNil([FormatCode.binary, .text].format(at: 2))
    }

    func testDescribe() {
        assertMessage(
            Describe(target: .statement("s1")),
            frame: byte1("D") + [0x00, 0x00, 0x00, 0x08] + byte1("S") + cString("s1"))
        assertMessage(
            Describe(target: .portal("")),
            frame: byte1("D") + [0x00, 0x00, 0x00, 0x06] + byte1("P") + [0x00])
        assertViolation(.invalidValue, naming: "Describe") {
            try Describe(payload: ByteBuffer(byte1("X") + [0x00]))
        }
    }

    func testExecute() {
        assertMessage(
            Execute(portalName: "", maxRows: 0),
            frame: byte1("E") + [0x00, 0x00, 0x00, 0x09] + [0x00] + [0x00, 0x00, 0x00, 0x00])
        assertMessage(
            Execute(portalName: "p1", maxRows: 100),
            frame: byte1("E") + [0x00, 0x00, 0x00, 0x0b] + cString("p1") + [0x00, 0x00, 0x00, 0x64])
        // The server reads a negative limit as "all rows"; it is not the codec's to refuse.
        assertMessage(
            Execute(portalName: "", maxRows: -1),
            frame: byte1("E") + [0x00, 0x00, 0x00, 0x09] + [0x00] + [0xff, 0xff, 0xff, 0xff])
    }

    func testClose() {
        assertMessage(
            Close(target: .portal("p1")),
            frame: byte1("C") + [0x00, 0x00, 0x00, 0x08] + byte1("P") + cString("p1"))
        assertMessage(
            Close(target: .statement("")),
            frame: byte1("C") + [0x00, 0x00, 0x00, 0x06] + byte1("S") + [0x00])
        assertViolation(.invalidValue, naming: "Close") {
            try Close(payload: ByteBuffer([0x00, 0x00]))
        }
    }

    func testSync() {
        assertMessage(Sync(), frame: byte1("S") + [0x00, 0x00, 0x00, 0x04])
    }

    func testFlush() {
        assertMessage(Flush(), frame: byte1("H") + [0x00, 0x00, 0x00, 0x04])
    }

    func testParseComplete() {
        assertMessage(ParseComplete(), frame: byte1("1") + [0x00, 0x00, 0x00, 0x04])
    }

    func testBindComplete() {
        assertMessage(BindComplete(), frame: byte1("2") + [0x00, 0x00, 0x00, 0x04])
    }

    func testCloseComplete() {
        assertMessage(CloseComplete(), frame: byte1("3") + [0x00, 0x00, 0x00, 0x04])
    }

    func testNoData() {
        assertMessage(NoData(), frame: byte1("n") + [0x00, 0x00, 0x00, 0x04])
    }

    func testPortalSuspended() {
        assertMessage(PortalSuspended(), frame: byte1("s") + [0x00, 0x00, 0x00, 0x04])
    }

    func testParameterDescription() {
        assertMessage(
            ParameterDescription(parameterTypes: [23, 25]),
            frame: byte1("t") + [0x00, 0x00, 0x00, 0x0e] + [0x00, 0x02]
                + [0x00, 0x00, 0x00, 0x17] + [0x00, 0x00, 0x00, 0x19])
        // OIDs are unsigned: one above 2^31 is a valid type.
        assertMessage(
            ParameterDescription(parameterTypes: [0xffff_fffe]),
            frame: byte1("t") + [0x00, 0x00, 0x00, 0x0a] + [0x00, 0x01] + [0xff, 0xff, 0xff, 0xfe])
        assertMessage(ParameterDescription(parameterTypes: []), frame: byte1("t") + [0x00, 0x00, 0x00, 0x06, 0x00, 0x00])
    }

    func testRowDescription() {
        assertMessage(
            RowDescription(fields: [
                .init(
                    name: "id", tableOID: 16384, columnAttributeNumber: 1, dataTypeOID: 23, dataTypeSize: 4,
                    typeModifier: -1, format: .text),
                .init(
                    name: "name", tableOID: 16384, columnAttributeNumber: 2, dataTypeOID: 25, dataTypeSize: -1,
                    typeModifier: -1, format: .binary),
            ]),
            frame: byte1("T") + [0x00, 0x00, 0x00, 0x32] + [0x00, 0x02]
                + cString("id") + [0x00, 0x00, 0x40, 0x00] + [0x00, 0x01] + [0x00, 0x00, 0x00, 0x17] + [0x00, 0x04]
                + [0xff, 0xff, 0xff, 0xff] + [0x00, 0x00]
                + cString("name") + [0x00, 0x00, 0x40, 0x00] + [0x00, 0x02] + [0x00, 0x00, 0x00, 0x19]
                + [0xff, 0xff] + [0xff, 0xff, 0xff, 0xff] + [0x00, 0x01])
    }

    func testRowDescriptionRejectsUnknownFormat() {
        assertViolation(.invalidValue, naming: "RowDescription") {
            try RowDescription(
                payload: ByteBuffer(
                    [0x00, 0x01] + cString("a") + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0, 4, 0xff, 0xff, 0xff, 0xff]
                        + [0x00, 0x02]))
        }
    }

    func testDataRow() {
        assertMessage(
            DataRow(columns: [ByteBuffer(ascii("42")), nil, ByteBuffer()]),
            frame: byte1("D") + [0x00, 0x00, 0x00, 0x14] + [0x00, 0x03]
                + [0x00, 0x00, 0x00, 0x02] + ascii("42") + [0xff, 0xff, 0xff, 0xff] + [0x00, 0x00, 0x00, 0x00])
        assertMessage(DataRow(columns: []), frame: byte1("D") + [0x00, 0x00, 0x00, 0x06, 0x00, 0x00])
    }

    func testDataRowKeepsColumnsAsSlicesOfTheFrame() throws {
        let payload = ByteBuffer([0x00, 0x01, 0x00, 0x00, 0x00, 0x02] + ascii("hi"))
        let row = try DataRow(payload: payload)
        let column = try XCTUnwrap(row.columns[0])
        payload.withUnsafeReadableBytes { frameBytes in
            column.withUnsafeReadableBytes { columnBytes in
                XCTAssertEqual(columnBytes.baseAddress, frameBytes.baseAddress! + 6, "column was copied")
            }
        }
    }

    func testDataRowRejectsNegativeLengthsOtherThanNull() {
        for length: [UInt8] in [[0xff, 0xff, 0xff, 0xfe], [0x80, 0x00, 0x00, 0x00]] {
            assertViolation(.invalidValue, naming: "DataRow") {
                try DataRow(payload: ByteBuffer([0x00, 0x01] + length))
            }
        }
    }

    func testDataRowWithHostileCountOrLengthFails() {
        assertViolation(.truncated, naming: "DataRow") {
            try DataRow(payload: ByteBuffer([0xff, 0xff, 0x00, 0x00, 0x00, 0x00]))
        }
        assertViolation(.truncated, naming: "DataRow") {
            try DataRow(payload: ByteBuffer([0x00, 0x01, 0x7f, 0xff, 0xff, 0xff, 0x00]))
        }
    }

    func testCommandComplete() {
        assertMessage(
            CommandComplete(tag: "SELECT 1"),
            frame: byte1("C") + [0x00, 0x00, 0x00, 0x0d] + cString("SELECT 1"))
        assertMessage(
            CommandComplete(tag: "INSERT 0 1"),
            frame: byte1("C") + [0x00, 0x00, 0x00, 0x0f] + cString("INSERT 0 1"))
    }
}
