import NIOCore

/// The result of a FunctionCall.
public struct FunctionCallResponse: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.functionCallResponse.rawValue }

    /// `nil` is SQL NULL.
    public var result: ByteBuffer?

    public init(result: ByteBuffer?) { self.result = result }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "FunctionCallResponse")
        self.result = try reader.nullableBytes()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeNullableBytes(result)
    }
}
