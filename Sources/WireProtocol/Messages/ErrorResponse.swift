import NIOCore

public struct ErrorResponse: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.errorResponse.rawValue }

    public var fields: ErrorFields

    public init(fields: ErrorFields) { self.fields = fields }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "ErrorResponse")
        self.fields = try ErrorFields(reader: &reader)
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        fields.encode(into: &buffer)
    }
}
