import NIOCore

/// The client's choice of SASL mechanism and its first message (SCRAM's client-first-message).
/// A 'p' frame; it is this message only right after Authentication's sasl request.
public struct SASLInitialResponse: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.password.rawValue }

    public var mechanism: String
    /// `nil` (length -1 on the wire) when the mechanism has no initial response.
    public var initialResponse: ByteBuffer?

    public init(mechanism: String, initialResponse: ByteBuffer?) {
        self.mechanism = mechanism
        self.initialResponse = initialResponse
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "SASLInitialResponse")
        self.mechanism = try reader.cString()
        self.initialResponse = try reader.nullableBytes()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(mechanism)
        buffer.writeNullableBytes(initialResponse)
    }
}
