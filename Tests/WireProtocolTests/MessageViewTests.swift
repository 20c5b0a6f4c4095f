import NIOCore
import WireProtocol
import XCTest

final class MessageViewTests: XCTestCase {
    private func typedFrame(_ bytes: ByteBuffer) throws -> Frame {
        var decoder = FrameDecoder(phase: .messages)
        var buffer = bytes
        return try XCTUnwrap(try decoder.next(from: &buffer))
    }

    func testBackendViewDecodesEachTypeOnDemand() throws {
        let messages: [any BackendMessage] = [
            Authentication.ok, BackendKeyData(processID: 1, secretKey: ByteBuffer([1, 2, 3, 4])), BindComplete(),
            CloseComplete(), CommandComplete(tag: "SELECT 1"), CopyData(data: ByteBuffer([1])), CopyDone(),
            CopyInResponse(overallFormat: .text, columnFormats: [.text]),
            CopyOutResponse(overallFormat: .text, columnFormats: []),
            CopyBothResponse(overallFormat: .binary, columnFormats: [.binary]),
            DataRow(columns: [nil]), EmptyQueryResponse(), ErrorResponse(fields: .error(sqlState: "XX000", message: "x")),
            FunctionCallResponse(result: nil), NegotiateProtocolVersion(newestMinorVersion: 0), NoData(),
            NoticeResponse(fields: ErrorFields([(.message, "n")])),
            NotificationResponse(processID: 1, channel: "c", payload: "p"), ParameterDescription(parameterTypes: [23]),
            ParameterStatus(name: "a", value: "b"), ParseComplete(), PortalSuspended(),
            ReadyForQuery(status: .idle), RowDescription(fields: [.init(name: "a", dataTypeOID: 23, dataTypeSize: 4)]),
        ]
        XCTAssertEqual(Set(messages.map { ObjectIdentifier(type(of: $0)) }).count, messages.count)
        for message in messages {
            let view = BackendMessageView(frame: try typedFrame(FrameEncoder.frame(message)))
            let decoded = try XCTUnwrap(try view.decoded(), "\(type(of: message)) was not recognised")
            XCTAssertEqual(AnyHashable(decoded), AnyHashable(message))
        }
    }

    func testFrontendViewDecodesEachTypeOnDemand() throws {
        let messages: [any FrontendMessage] = [
            Bind(portalName: "", statementName: "s"), Close(target: .portal("p")), CopyData(data: ByteBuffer([1])),
            CopyDone(), CopyFail(reason: "r"), Describe(target: .statement("s")), Execute(portalName: ""), Flush(),
            FunctionCall(functionOID: 1), Parse(statementName: "", query: "SELECT 1"), Query(sql: "SELECT 1"),
            Sync(), Terminate(),
        ]
        for message in messages {
            let view = FrontendMessageView(frame: try typedFrame(FrameEncoder.frame(message)))
            let decoded = try XCTUnwrap(try view.decoded(), "\(type(of: message)) was not recognised")
            XCTAssertEqual(AnyHashable(decoded), AnyHashable(message))
        }
    }

    func testPasswordFamilyIsLeftToTheSession() throws {
        let frame = try typedFrame(FrameEncoder.frame(SASLResponse(data: ByteBuffer(ascii("c=biws")))))
        XCTAssertEqual(FrontendMessageView(frame: frame), .authenticationResponse(frame))
        XCTAssertEqual(try SASLResponse(frame: frame).data, ByteBuffer(ascii("c=biws")))
    }

    func testUnknownTypesAndMalformedPayloadsAreOnlyNoticedWhenDecoded() throws {
        let unknown = try typedFrame(ByteBuffer([0xfe, 0x00, 0x00, 0x00, 0x04]))
        XCTAssertEqual(BackendMessageView(frame: unknown), .unknown(unknown))
        XCTAssertEqual(FrontendMessageView(frame: unknown), .unknown(unknown))

        // A ReadyForQuery with a bad status: the view is built, decoding it fails.
        let bad = try typedFrame(ByteBuffer(byte1("Z") + [0x00, 0x00, 0x00, 0x05] + byte1("X")))
        guard case .readyForQuery(let lazy) = BackendMessageView(frame: bad) else {
            return XCTFail("not seen as ReadyForQuery")
        }
        assertViolation(.invalidValue, naming: "ReadyForQuery") { try lazy.decode() }
    }
}
