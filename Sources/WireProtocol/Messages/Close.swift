import NIOCore

/// Releases a prepared statement or a portal.
public struct Close: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.close.rawValue }

    public var target: PreparedObject

    public init(target: PreparedObject) { self.target = target }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Close")
        self.target = try PreparedObject(reader: &reader)
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        target.encode(into: &buffer)
    }
}
