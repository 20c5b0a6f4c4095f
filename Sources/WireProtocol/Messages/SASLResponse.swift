import NIOCore

/// A later SASL message (SCRAM's client-final-message), answering saslContinue. A 'p' frame; the
/// frame's length is the data's length, so every payload is valid.
public struct SASLResponse: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.password.rawValue }

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
