import NIOCore

public struct NoticeResponse: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.noticeResponse.rawValue }

    public var fields: ErrorFields

    public init(fields: ErrorFields) { self.fields = fields }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "NoticeResponse")
        self.fields = try ErrorFields(reader: &reader)
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        fields.encode(into: &buffer)
    }
}
