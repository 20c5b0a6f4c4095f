import NIOCore

/// A client's abort of COPY FROM STDIN; the server answers with an ErrorResponse carrying `reason`.
public struct CopyFail: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.copyFail.rawValue }

    public var reason: String

    public init(reason: String) { self.reason = reason }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "CopyFail")
        self.reason = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(reason)
    }
}
