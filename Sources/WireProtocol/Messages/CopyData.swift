import NIOCore

/// A chunk of a COPY data stream, in either direction. The frame's length is the chunk's length,
/// so every payload is a valid CopyData and there is nothing to reject.
public struct CopyData: FrontendMessage, BackendMessage {
    public static var messageID: UInt8? { FrontendMessageID.copyData.rawValue }

    public var data: ByteBuffer

    public init(data: ByteBuffer) { self.data = data }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        self.data = payload
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        var data = data
        buffer.writeBuffer(&data)
    }
}
