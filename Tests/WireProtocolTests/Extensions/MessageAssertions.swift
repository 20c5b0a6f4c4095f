import NIOCore
import WireProtocol
import XCTest

/// What a strict prefix of a valid payload decodes to.
enum PrefixExpectation {
    /// Every strict prefix is refused as truncated.
    case truncated
    /// Prefixes shorter than `length` are refused as truncated; from `length` on they are valid,
    /// shorter, messages (the frame's length is the length of the message's last field).
    case validFrom(Int)
}

/// What a payload with bytes appended decodes to.
enum TrailingExpectation {
    case rejected
    /// The last field runs to the end of the frame, so appended bytes become part of it.
    case absorbed
}

/// Checks one message against its frame as the documentation spells it:
/// - encoding `message` writes exactly `frame`;
/// - `FrameDecoder` cuts exactly one frame out of `frame`, and it decodes to `message`;
/// - decoding what the encoder wrote gives `message` back;
/// - every strict prefix of the payload is refused as truncated (or decodes, per `prefixes`);
/// - bytes after the payload are refused (or absorbed, per `trailing`);
/// - every refusal names the message type.
func assertMessage<M: WireMessage>(
    _ message: M,
    frame: [UInt8],
    prefixes: PrefixExpectation = .truncated,
    trailing: TrailingExpectation = .rejected,
    file: StaticString = #filePath,
    line: UInt = #line
) {
    let name = String(describing: M.self)

    XCTAssertEqual(FrameEncoder.frame(message), ByteBuffer(frame), "\(name): encoded frame", file: file, line: line)

    var decoder = FrameDecoder(phase: M.messageID == nil ? .startup : .messages)
    var input = ByteBuffer(frame)
    let decodedFrame: Frame
    do {
        guard let next = try decoder.next(from: &input) else {
            return XCTFail("\(name): FrameDecoder found no whole frame", file: file, line: line)
        }
        decodedFrame = next
    } catch {
        return XCTFail("\(name): FrameDecoder threw \(error)", file: file, line: line)
    }
    XCTAssertEqual(input.readableBytes, 0, "\(name): bytes left after the frame", file: file, line: line)
    XCTAssertEqual(decodedFrame.id, M.messageID, "\(name): type byte", file: file, line: line)
    XCTAssertEqual(decodedFrame.bytes, ByteBuffer(frame), "\(name): whole frame", file: file, line: line)
    XCTAssertEqual(try M(frame: decodedFrame), message, "\(name): decoded from frame", file: file, line: line)

    var encodedPayload = ByteBuffer()
    message.encodePayload(into: &encodedPayload)
    XCTAssertEqual(try M(payload: encodedPayload), message, "\(name): round trip", file: file, line: line)

    let payload = Array(decodedFrame.payload.readableBytesView)
    for length in 0..<payload.count {
        let prefix = ByteBuffer(Array(payload[..<length]))
        switch prefixes {
        case .validFrom(let valid) where length >= valid:
            do {
                let shorter = try M(payload: prefix)
                var reencoded = ByteBuffer()
                shorter.encodePayload(into: &reencoded)
                XCTAssertEqual(reencoded, prefix, "\(name): prefix of \(length) bytes", file: file, line: line)
            } catch {
                XCTFail("\(name): prefix of \(length) bytes threw \(error)", file: file, line: line)
            }
        case .truncated, .validFrom:
            assertViolation(
                .truncated, naming: name, "\(name): prefix of \(length) bytes", file: file, line: line
            ) { try M(payload: prefix) }
        }
    }

    for garbage: [UInt8] in [[0x00], [0x41, 0x42, 0x43, 0x00]] {
        let longer = ByteBuffer(payload + garbage)
        switch trailing {
        case .rejected:
            assertViolation(
                .trailingBytes, naming: name, "\(name): \(garbage.count) trailing bytes", file: file, line: line
            ) { try M(payload: longer) }
        case .absorbed:
            XCTAssertNoThrow(try M(payload: longer), "\(name): trailing bytes", file: file, line: line)
        }
    }
}

/// Checks that `body` throws a `ProtocolViolation` of `kind` whose text names the message.
func assertViolation<T>(
    _ kind: ProtocolViolation.Kind,
    naming name: String,
    _ context: @autoclosure () -> String = "",
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () throws -> T
) {
    do {
        let value = try body()
        XCTFail("\(context()): expected \(kind), decoded \(value)", file: file, line: line)
    } catch let error as ProtocolViolation {
        XCTAssertEqual(error.kind, kind, "\(context()): \(error.message)", file: file, line: line)
        XCTAssertTrue(
            error.message.contains(name), "\(context()): \"\(error.message)\" does not name \(name)",
            file: file, line: line)
    } catch {
        XCTFail("\(context()): threw \(error), not a ProtocolViolation", file: file, line: line)
    }
}
