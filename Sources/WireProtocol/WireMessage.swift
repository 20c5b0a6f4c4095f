import NIOCore

/// A typed view of one message's payload, and the way back to bytes.
public protocol WireMessage: Hashable, Sendable {
    /// The type byte, or `nil` for startup-phase packets.
    static var messageID: UInt8? { get }
    /// Decodes a whole payload; bytes left over are a protocol violation.
    init(payload: ByteBuffer) throws(ProtocolViolation)
    func encodePayload(into buffer: inout ByteBuffer)
}

/// A message a client sends.
public protocol FrontendMessage: WireMessage {}
/// A message a server sends.
public protocol BackendMessage: WireMessage {}

extension WireMessage {
    public func encodeFrame(into buffer: inout ByteBuffer) {
        FrameEncoder.write(id: Self.messageID, into: &buffer) { self.encodePayload(into: &$0) }
    }

    /// Decodes the payload of a frame, checking that it is of this message's type.
    public init(frame: Frame) throws(ProtocolViolation) {
        guard frame.id == Self.messageID else {
            throw ProtocolViolation(
                .unexpectedMessage,
                "expected \(Self.self), got message type \(frame.id.map(MessageIDText.describe) ?? "startup packet")")
        }
        try self.init(payload: frame.payload)
    }
}
