import NIOCore
import WireProtocol
import XCTest

final class CopyMessageTests: XCTestCase {
    func testCopyData() {
        // The frame's length is the data's, so any prefix is shorter data and nothing trails.
        assertMessage(
            CopyData(data: ByteBuffer(ascii("a\tb\n"))),
            frame: byte1("d") + [0x00, 0x00, 0x00, 0x08] + [0x61, 0x09, 0x62, 0x0a],
            prefixes: .validFrom(0), trailing: .absorbed)
        assertMessage(CopyData(data: ByteBuffer()), frame: byte1("d") + [0x00, 0x00, 0x00, 0x04], trailing: .absorbed)
    }

    func testCopyDataAndCopyDoneGoBothWays() throws {
        func decodeAsFrontend<M: FrontendMessage>(_ type: M.Type, _ frame: Frame) throws -> M { try M(frame: frame) }
        func decodeAsBackend<M: BackendMessage>(_ type: M.Type, _ frame: Frame) throws -> M { try M(frame: frame) }
        var client = FrameDecoder(phase: .messages)
        var bytes = ByteBuffer(byte1("d") + [0x00, 0x00, 0x00, 0x05, 0x2a] + byte1("c") + [0x00, 0x00, 0x00, 0x04])
        let data = try XCTUnwrap(try client.next(from: &bytes))
        let done = try XCTUnwrap(try client.next(from: &bytes))
        XCTAssertEqual(try decodeAsFrontend(CopyData.self, data), try decodeAsBackend(CopyData.self, data))
        XCTAssertEqual(try decodeAsFrontend(CopyDone.self, done), CopyDone())
        XCTAssertEqual(try decodeAsBackend(CopyDone.self, done), CopyDone())
        XCTAssertEqual(data.frontendID, .copyData)
        XCTAssertEqual(data.backendID, .copyData)
    }

    func testCopyDone() {
        assertMessage(CopyDone(), frame: byte1("c") + [0x00, 0x00, 0x00, 0x04])
    }

    func testCopyFail() {
        assertMessage(CopyFail(reason: "boom"), frame: byte1("f") + [0x00, 0x00, 0x00, 0x09] + cString("boom"))
    }

    func testCopyInResponse() {
        assertMessage(
            CopyInResponse(overallFormat: .text, columnFormats: [.text, .text]),
            frame: byte1("G") + [0x00, 0x00, 0x00, 0x0b] + [0x00] + [0x00, 0x02] + [0x00, 0x00] + [0x00, 0x00])
    }

    func testCopyOutResponse() {
        assertMessage(
            CopyOutResponse(overallFormat: .binary, columnFormats: [.binary]),
            frame: byte1("H") + [0x00, 0x00, 0x00, 0x09] + [0x01] + [0x00, 0x01] + [0x00, 0x01])
    }

    func testCopyBothResponse() {
        assertMessage(
            CopyBothResponse(overallFormat: .binary, columnFormats: []),
            frame: byte1("W") + [0x00, 0x00, 0x00, 0x07] + [0x01] + [0x00, 0x00])
    }

    func testCopyResponsesRejectUnknownFormats() {
        assertViolation(.invalidValue, naming: "CopyInResponse") {
            try CopyInResponse(payload: ByteBuffer([0x02, 0x00, 0x00]))
        }
        assertViolation(.invalidValue, naming: "CopyOutResponse") {
            try CopyOutResponse(payload: ByteBuffer([0x00, 0x00, 0x01, 0x00, 0x05]))
        }
        assertViolation(.truncated, naming: "CopyBothResponse") {
            try CopyBothResponse(payload: ByteBuffer([0x00, 0xff, 0xff, 0x00, 0x00]))
        }
    }
}
