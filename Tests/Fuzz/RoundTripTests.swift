import NIOCore
import WireProtocol
import XCTest

@testable import FuzzTargets

/// The fuzz targets' checks must be able to fail: a codec that loses or changes bytes is caught.
final class RoundTripTests: XCTestCase {
    /// Decodes a name but encodes it upper-cased: a round trip that does not give the value back.
    struct Shouting: WireMessage {
        static var messageID: UInt8? { UInt8(ascii: "!") }
        var name: String
        init(name: String) { self.name = name }
        init(payload: ByteBuffer) throws(ProtocolViolation) {
            var reader = PayloadReader(payload, message: "Shouting")
            self.name = try reader.cString()
            try reader.finish()
        }
        func encodePayload(into buffer: inout ByteBuffer) { buffer.writeCString(name.uppercased()) }
    }

    /// Decodes an Int32 but encodes it as an Int64: stable, yet not the bytes that were received.
    struct Widening: WireMessage {
        static var messageID: UInt8? { UInt8(ascii: "!") }
        var value: Int32
        init(payload: ByteBuffer) throws(ProtocolViolation) {
            var reader = PayloadReader(payload, message: "Widening")
            let value = try reader.int32()
            if reader.remaining == 4 { _ = try reader.int32() }
            try reader.finish()
            self.value = value
        }
        func encodePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(value)
            buffer.writeInteger(Int32(0))
        }
    }

    private func frame<M: WireMessage>(_ type: M.Type, payload: [UInt8]) -> Frame {
        var bytes = ByteBuffer()
        FrameEncoder.write(id: M.messageID, into: &bytes) { $0.writeBytes(payload) }
        return Frame(id: M.messageID, bytes: bytes)
    }

    func testAValueThatChangesOnEncodingIsAFinding() {
        let check = RoundTrip(Shouting.self, target: "test")
        XCTAssertThrowsError(try check.check(frame(Shouting.self, payload: Array("zeus\0".utf8))))
        XCTAssertNoThrow(try check.check(frame(Shouting.self, payload: Array("ZEUS\0".utf8))))
    }

    func testAnEncodingThatDiffersFromTheReceivedBytesIsAFinding() {
        let check = RoundTrip(Widening.self, target: "test")
        XCTAssertThrowsError(try check.check(frame(Widening.self, payload: [0, 0, 0, 7])))
        XCTAssertNoThrow(try check.check(frame(Widening.self, payload: [0, 0, 0, 7, 0, 0, 0, 0])))
    }

    func testRepairedUTF8IsNotAFindingButItsValueMustSurvive() throws {
        // 0xff is not UTF-8: decoding repairs it, so the encoding differs from what arrived.
        let received = frame(Query.self, payload: [0x53, 0xff, 0])
        let query = try XCTUnwrap(try RoundTrip(Query.self, target: "test").check(received))
        XCTAssertEqual(query.sql, "S\u{FFFD}")
    }

    func testRealMessagesPass() throws {
        for name in [FuzzTargetName.startup, .frontend, .backend] {
            let target = try name.makeTarget(mappingPath: "")
            for seed in FuzzSeeds.seeds(for: name) {
                XCTAssertNoThrow(try target.run(seed.bytes), "\(name) seed \(seed.label)")
            }
        }
    }
}
