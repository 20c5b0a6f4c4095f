import NIOCore
import WireProtocol

/// Frames as the decoder would cut them from the wire, built from typed messages or raw parts.
extension Frame {
    static func of<M: WireMessage>(_ message: M) -> Frame {
        var bytes = ByteBuffer()
        message.encodeFrame(into: &bytes)
        var decoder = FrameDecoder(phase: M.messageID == nil ? .startup : .messages)
        return try! decoder.next(from: &bytes)!
    }

    static func raw(_ id: UInt8, _ payload: [UInt8]) -> Frame {
        var bytes = ByteBuffer()
        bytes.writeInteger(id)
        bytes.writeInteger(Int32(payload.count + 4))
        bytes.writeBytes(payload)
        var decoder = FrameDecoder(phase: .messages)
        return try! decoder.next(from: &bytes)!
    }

    /// Every whole message in `bytes`, as the proxy would send them on.
    static func all(in bytes: ByteBuffer) -> [Frame] {
        var rest = bytes
        var decoder = FrameDecoder(phase: .messages)
        var frames: [Frame] = []
        while let frame = try! decoder.next(from: &rest) { frames.append(frame) }
        return frames
    }

    static func readyForQuery(_ status: ReadyForQuery.TransactionStatus) -> Frame {
        .of(ReadyForQuery(status: status))
    }
}
