import NIOCore
import NIOTestUtils
import WireProtocol
import XCTest

final class FrameDecoderTests: XCTestCase {
    private let query = byte1("Q") + [0x00, 0x00, 0x00, 0x0d] + cString("SELECT 1")
    private let sync = byte1("S") + [0x00, 0x00, 0x00, 0x04]
    private let dataRow = byte1("D") + [0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02] + ascii("42")
    // A type byte no protocol version defines: relayed, not refused.
    private let unknown: [UInt8] = [0xfe, 0x00, 0x00, 0x00, 0x06, 0xbe, 0xef]

    private func frame(_ bytes: [UInt8], headerLength: Int = 5) -> Frame {
        let id: UInt8? = headerLength == 5 ? bytes[0] : nil
        return Frame(id: id, bytes: ByteBuffer(bytes))
    }

    func testFramesAreReturnedOnlyWhenCompleteWhenFedOneByteAtATime() throws {
        let frames = [query, sync, dataRow, unknown]
        let stream = frames.flatMap { $0 }
        let ends = frames.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.count) }

        var decoder = FrameDecoder(phase: .messages)
        var buffer = ByteBuffer()
        var produced: [(end: Int, frame: Frame)] = []
        for (index, byte) in stream.enumerated() {
            buffer.writeInteger(byte)
            while true {
                let before = buffer.readerIndex
                guard let frame = try decoder.next(from: &buffer) else {
                    XCTAssertEqual(buffer.readerIndex, before, "a partial frame was consumed at byte \(index)")
                    break
                }
                produced.append((index + 1, frame))
            }
        }
        XCTAssertEqual(produced.map(\.end), ends)
        XCTAssertEqual(produced.map(\.frame), frames.map { frame($0) })
        XCTAssertEqual(buffer.readableBytes, 0)
    }

    func testStartupPacketsFedOneByteAtATime() throws {
        let ssl: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        let startup = [0x00, 0x00, 0x00, 0x0d, 0x00, 0x03, 0x00, 0x00] + cString("a") + cString("b") + [0x00]
        var decoder = FrameDecoder(phase: .startup)
        var buffer = ByteBuffer()
        var produced: [Frame] = []
        for byte in ssl + startup {
            buffer.writeInteger(byte)
            let unread = buffer.readableBytes
            if let frame = try decoder.next(from: &buffer) {
                produced.append(frame)
            } else {
                XCTAssertEqual(buffer.readableBytes, unread)
            }
        }
        XCTAssertEqual(produced, [frame(ssl, headerLength: 4), frame(startup, headerLength: 4)])
        XCTAssertNil(produced[0].id)
    }

    func testNIOVerifierWithMessages() throws {
        let inputs = [query, sync, dataRow, unknown]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: inputs.map { (ByteBuffer($0), [frame($0)]) } + [
                (ByteBuffer(query + sync + unknown), [frame(query), frame(sync), frame(unknown)])
            ],
            decoderFactory: { FrameToMessageDecoder(decoder: FrameDecoder(phase: .messages)) })
    }

    func testNIOVerifierWithStartupPackets() throws {
        let ssl: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        let cancel: [UInt8] = [0x00, 0x00, 0x00, 0x10, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 1, 2, 3, 4]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (ByteBuffer(ssl), [frame(ssl, headerLength: 4)]),
                (ByteBuffer(cancel), [frame(cancel, headerLength: 4)]),
            ],
            decoderFactory: { FrameToMessageDecoder(decoder: FrameDecoder(phase: .startup)) })
    }

    func testSeveralFramesInOneBuffer() throws {
        var buffer = ByteBuffer(query + sync + unknown + Array(dataRow.prefix(7)))
        var decoder = FrameDecoder(phase: .messages)
        XCTAssertEqual(try decoder.next(from: &buffer), frame(query))
        XCTAssertEqual(try decoder.next(from: &buffer), frame(sync))
        XCTAssertEqual(try decoder.next(from: &buffer), frame(unknown))
        XCTAssertNil(try decoder.next(from: &buffer))
        XCTAssertEqual(buffer.readableBytes, 7, "the partial DataRow must stay unread")
    }

    func testFramesAreSlicesOfTheInput() throws {
        var buffer = ByteBuffer(sync + query)
        let start = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var decoder = FrameDecoder(phase: .messages)
        _ = try decoder.next(from: &buffer)
        let frame = try XCTUnwrap(try decoder.next(from: &buffer))
        XCTAssertEqual(frame.frontendID, .query)
        XCTAssertEqual(frame.bytes.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }, start + 5)
        XCTAssertEqual(frame.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }, start + 10)
    }

    func testPeekReadsTheHeaderOfACompleteFrameAndConsumesNothing() throws {
        let stream = query + dataRow
        let decoder = FrameDecoder(phase: .messages)
        for cut in 0..<query.count {
            XCTAssertNil(try decoder.peek(ByteBuffer(Array(stream.prefix(cut)))), "\(cut) bytes are no whole frame")
        }
        var buffer = ByteBuffer(stream)
        XCTAssertEqual(try decoder.peek(buffer), FrameHeader(id: UInt8(ascii: "Q"), length: query.count))
        XCTAssertEqual(buffer.readableBytes, stream.count, "peek consumes nothing")
        // Skipping by the header's length lands on the next frame, as taking the frame would.
        buffer.moveReaderIndex(forwardBy: query.count)
        let header = try XCTUnwrap(try decoder.peek(buffer))
        XCTAssertEqual(FrameDecoder.take(header, from: &buffer), frame(dataRow))
        XCTAssertEqual(buffer.readableBytes, 0)

        let startup = FrameDecoder(phase: .startup)
        let sslRequest: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        XCTAssertNil(try startup.peek(ByteBuffer(Array(sslRequest.prefix(7)))))
        XCTAssertEqual(try startup.peek(ByteBuffer(sslRequest + query)), FrameHeader(id: nil, length: 8))
    }

    func testPeekRefusesWhatNextRefuses() {
        let bad: [[UInt8]] = [[UInt8(ascii: "Q"), 0, 0, 0, 3], [UInt8(ascii: "Q"), 0x7f, 0xff, 0xff, 0xff], [0x01]]
        for bytes in bad {
            var decoder = FrameDecoder(phase: .messages, requiresAlphanumericIDs: true)
            var buffer = ByteBuffer(bytes)
            var fromNext: ProtocolViolation?
            do { _ = try decoder.next(from: &buffer) } catch { fromNext = error }
            var fromPeek: ProtocolViolation?
            do { _ = try decoder.peek(ByteBuffer(bytes)) } catch { fromPeek = error }
            XCTAssertNotNil(fromPeek, "\(bytes)")
            XCTAssertEqual(fromPeek?.kind, fromNext?.kind, "\(bytes)")
            XCTAssertEqual(fromPeek?.message, fromNext?.message, "\(bytes)")
        }
    }

    func testPayloadAndFirstPayloadByteStartBehindTheHeader() throws {
        var typed = ByteBuffer(dataRow + sync)
        var decoder = FrameDecoder(phase: .messages)
        let row = try XCTUnwrap(try decoder.next(from: &typed))
        XCTAssertEqual(row.payload, ByteBuffer(Array(dataRow[5...])))
        XCTAssertEqual(row.firstPayloadByte, 0x00)
        let empty = try XCTUnwrap(try decoder.next(from: &typed))
        XCTAssertEqual(empty.payload.readableBytes, 0)
        XCTAssertNil(empty.firstPayloadByte, "a payload-less frame has no first byte, not the next frame's")

        let sslRequest: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        var untyped = ByteBuffer(sslRequest + query)
        var startup = FrameDecoder(phase: .startup)
        let packet = try XCTUnwrap(try startup.next(from: &untyped))
        XCTAssertEqual(packet.payload, ByteBuffer(Array(sslRequest[4...])))
        XCTAssertEqual(packet.firstPayloadByte, 0x04)
    }

    func testUnknownTypeBytesAreFrames() throws {
        var buffer = ByteBuffer(unknown)
        var decoder = FrameDecoder(phase: .messages)
        let frame = try XCTUnwrap(try decoder.next(from: &buffer))
        XCTAssertEqual(frame.id, 0xfe)
        XCTAssertEqual(frame.payload, ByteBuffer([0xbe, 0xef]))
        XCTAssertEqual(frame.backendID?.description, "0xfe")
    }

    func testTypeBytesThatAreNoLetterOrDigitAreRefusedFromTheFirstByteWhenAsked() throws {
        for id: UInt8 in [0, 0x1b, UInt8(ascii: " "), UInt8(ascii: "!"), 0x7f, 0xfe] {
            var decoder = FrameDecoder(phase: .messages, requiresAlphanumericIDs: true)
            var buffer = ByteBuffer([id])
            assertViolation(.unexpectedMessage, naming: "invalid frontend message type \(id)") { try decoder.next(from: &buffer) }
        }
        // Letters and digits this code does not know are still frames, to be relayed.
        var decoder = FrameDecoder(phase: .messages, requiresAlphanumericIDs: true)
        var buffer = ByteBuffer([UInt8(ascii: "j"), 0, 0, 0, 4, UInt8(ascii: "7"), 0, 0, 0, 4])
        XCTAssertEqual(try decoder.next(from: &buffer)?.id, UInt8(ascii: "j"))
        XCTAssertEqual(try decoder.next(from: &buffer)?.id, UInt8(ascii: "7"))
    }

    func testLengthFour() throws {
        var buffer = ByteBuffer(sync)
        var decoder = FrameDecoder(phase: .messages)
        let frame = try XCTUnwrap(try decoder.next(from: &buffer))
        XCTAssertEqual(frame.payload.readableBytes, 0)
        XCTAssertEqual(try Sync(frame: frame), Sync())
    }

    func testLengthsBelowFourAreRefusedFromTheHeaderAlone() {
        for length: [UInt8] in [[0, 0, 0, 0], [0, 0, 0, 3], [0xff, 0xff, 0xff, 0xff], [0x80, 0, 0, 0]] {
            var decoder = FrameDecoder(phase: .messages)
            var buffer = ByteBuffer(byte1("Q") + length)
            assertViolation(.lengthTooSmall, naming: "'Q'") { try decoder.next(from: &buffer) }
        }
    }

    func testHugeLengthIsRefusedBeforeItsBodyArrives() {
        var decoder = FrameDecoder(phase: .messages)
        var buffer = ByteBuffer(byte1("d") + [0x7f, 0xff, 0xff, 0xff])
        assertViolation(.lengthTooLarge, naming: "'d'") { try decoder.next(from: &buffer) }
    }

    func testIncompleteHeaderWaits() throws {
        var decoder = FrameDecoder(phase: .messages)
        for length in 0..<5 {
            var buffer = ByteBuffer(Array(query.prefix(length)))
            XCTAssertNil(try decoder.next(from: &buffer))
            XCTAssertEqual(buffer.readableBytes, length)
        }
    }

    func testConfiguredMaximumIsHonoured() throws {
        var decoder = FrameDecoder(phase: .messages, maximumMessageLength: 100)
        var waiting = ByteBuffer(byte1("d") + [0x00, 0x00, 0x00, 0x64])
        XCTAssertNil(try decoder.next(from: &waiting), "a frame of exactly the maximum must be awaited")
        waiting.writeBytes(Array(repeating: 0x2e, count: 96))
        XCTAssertEqual(try decoder.next(from: &waiting)?.payload.readableBytes, 96)

        var over = ByteBuffer(byte1("d") + [0x00, 0x00, 0x00, 0x65])
        assertViolation(.lengthTooLarge, naming: "'d'") { try decoder.next(from: &over) }
    }

    func testDefaultMaximumIsTheServers() {
        var decoder = FrameDecoder(phase: .messages)
        var atLimit = ByteBuffer(byte1("d") + [0x3f, 0xff, 0xff, 0xff])
        XCTAssertNil(try decoder.next(from: &atLimit))
        var over = ByteBuffer(byte1("d") + [0x40, 0x00, 0x00, 0x00])
        assertViolation(.lengthTooLarge, naming: "'d'") { try decoder.next(from: &over) }
    }

    func testStartupPacketLengthLimits() throws {
        for length: [UInt8] in [[0, 0, 0, 0], [0, 0, 0, 4], [0, 0, 0, 7], [0xff, 0xff, 0xff, 0xff]] {
            var decoder = FrameDecoder(phase: .startup)
            var buffer = ByteBuffer(length)
            assertViolation(.lengthTooSmall, naming: "startup packet") { try decoder.next(from: &buffer) }
        }
        for length: [UInt8] in [[0x00, 0x00, 0x27, 0x11], [0x7f, 0xff, 0xff, 0xff]] {  // 10,001 and 2^31-1
            var decoder = FrameDecoder(phase: .startup)
            var buffer = ByteBuffer(length)
            assertViolation(.lengthTooLarge, naming: "startup packet") { try decoder.next(from: &buffer) }
        }

        // Exactly 10,000 bytes is allowed, and awaited until whole.
        var decoder = FrameDecoder(phase: .startup)
        var buffer = ByteBuffer([0x00, 0x00, 0x27, 0x10, 0x00, 0x03, 0x00, 0x00])
        XCTAssertNil(try decoder.next(from: &buffer))
        XCTAssertEqual(buffer.readableBytes, 8)
        buffer.writeBytes(Array(repeating: 0x61, count: 9_990) + [0x00, 0x00])
        let packet = try XCTUnwrap(try decoder.next(from: &buffer))
        XCTAssertEqual(packet.bytes.readableBytes, 10_000)
        XCTAssertEqual(packet.payload.readableBytes, 9_996)
    }
}
