import NIOCore

/// A simple-protocol query: one string that may hold several statements.
public struct Query: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.query.rawValue }

    public var sql: String

    public init(sql: String) { self.sql = sql }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Query")
        self.sql = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(sql)
    }
}
