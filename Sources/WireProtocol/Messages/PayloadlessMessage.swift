import NIOCore

/// A message whose type byte is all it says (Sync, Flush, ParseComplete, …). The shared decoder
/// rejects any payload, naming the message.
public protocol PayloadlessMessage: WireMessage {
    init()
}

extension PayloadlessMessage {
    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        try PayloadReader(payload, message: String(describing: Self.self)).finish()
        self.init()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {}
}
