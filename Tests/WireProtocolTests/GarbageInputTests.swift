import NIOCore
import WireProtocol
import XCTest

/// Hostile or broken peers: whatever arrives, the codec throws or returns values, and never
/// crashes, loops, or reserves memory for what is not there.
final class GarbageInputTests: XCTestCase {
    static let allMessageTypes: [any WireMessage.Type] = [
        StartupMessage.self, SSLRequest.self, GSSENCRequest.self, CancelRequest.self,
        Parse.self, Bind.self, Describe.self, Execute.self, Close.self, Sync.self, Flush.self, Query.self,
        Terminate.self, CopyData.self, CopyDone.self, CopyFail.self, FunctionCall.self,
        PasswordMessage.self, SASLInitialResponse.self, SASLResponse.self, GSSResponse.self,
        Authentication.self, BackendKeyData.self, ParameterStatus.self, ReadyForQuery.self,
        ErrorResponse.self, NoticeResponse.self, ParameterDescription.self, RowDescription.self,
        DataRow.self, CommandComplete.self, EmptyQueryResponse.self, ParseComplete.self, BindComplete.self,
        CloseComplete.self, NoData.self, PortalSuspended.self, CopyInResponse.self, CopyOutResponse.self,
        CopyBothResponse.self, NotificationResponse.self, NegotiateProtocolVersion.self,
        FunctionCallResponse.self,
    ]

    /// Bytes that mean something in counts, lengths, type bytes and strings, so random payloads
    /// often decode instead of failing at the first field.
    private static let alphabet: [UInt8] = [0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x41, 0x50, 0x53, 0xff]

    func testRandomBytesNeverCrashOrStallTheFrameDecoder() {
        var random = SeededGenerator(seed: 0x5eed_0001)
        var outcomes = (frames: 0, errors: 0, waits: 0)
        for round in 0..<4_000 {
            let bytes = Self.garbage(round: round, using: &random)
            for phase in [FrameDecoder.Phase.startup, .messages] {
                var decoder = FrameDecoder(phase: phase, maximumMessageLength: 4_096)
                var buffer = ByteBuffer(bytes)
                do {
                    while true {
                        let unread = buffer.readableBytes
                        guard let frame = try decoder.next(from: &buffer) else {
                            XCTAssertEqual(buffer.readableBytes, unread)
                            outcomes.waits += 1
                            break
                        }
                        outcomes.frames += 1
                        XCTAssertEqual(unread - buffer.readableBytes, frame.bytes.readableBytes)
                        XCTAssertGreaterThanOrEqual(frame.bytes.readableBytes, phase == .startup ? 8 : 5)
                        for type in Self.allMessageTypes { Self.decodeIfPossible(type, frame.payload) }
                    }
                } catch {
                    outcomes.errors += 1
                }
            }
        }
        // The generator must have exercised all three outcomes, or this test proves little.
        XCTAssertGreaterThan(outcomes.frames, 1_000)
        XCTAssertGreaterThan(outcomes.errors, 1_000)
        XCTAssertGreaterThan(outcomes.waits, 100)
    }

    func testRandomPayloadsDecodeToValuesThatEncodeBack() {
        var random = SeededGenerator(seed: 0x5eed_0002)
        var decodedCount = 0
        for type in Self.allMessageTypes {
            for _ in 0..<1_500 {
                let length = Int.random(in: 0...24, using: &random)
                let bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &random)! }
                decodedCount += Self.checkReencoding(type, ByteBuffer(bytes)) ? 1 : 0
            }
        }
        XCTAssertGreaterThan(decodedCount, 2_000)
    }

    /// A third of the rounds are uniform bytes, a third come from the alphabet, and a third are
    /// frame-shaped: headers with small (sometimes invalid) lengths, so many frames get through.
    private static func garbage(round: Int, using random: inout SeededGenerator) -> [UInt8] {
        switch round % 3 {
        case 0:
            return (0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 1:
            return (0..<Int.random(in: 0...600, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        default:
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                let length = Int32.random(in: -2...60, using: &random)
                bytes.append(UInt8.random(in: 0...255, using: &random))
                bytes += withUnsafeBytes(of: length.bigEndian) { Array($0) }
                bytes += (0..<max(0, Int(length) - 4)).map { _ in alphabet.randomElement(using: &random)! }
            }
            // Often cut the stream short, leaving a partial frame.
            return Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
        }
    }

    private static func decodeIfPossible<M: WireMessage>(_ type: M.Type, _ payload: ByteBuffer) {
        _ = try? M(payload: payload)
    }

    /// If a payload decodes, encoding the value gives the payload back; strings holding invalid
    /// UTF-8 are the exception (they are repaired on decoding), so those are checked to decode stably.
    private static func checkReencoding<M: WireMessage>(_ type: M.Type, _ payload: ByteBuffer) -> Bool {
        guard let value = try? M(payload: payload) else { return false }
        var encoded = ByteBuffer()
        value.encodePayload(into: &encoded)
        if payload.readableBytesView.contains(0xff) {
            XCTAssertEqual(try? M(payload: encoded), value, "\(M.self) from \(Array(payload.readableBytesView))")
        } else {
            XCTAssertEqual(encoded, payload, "\(M.self) from \(Array(payload.readableBytesView))")
        }
        return true
    }
}
