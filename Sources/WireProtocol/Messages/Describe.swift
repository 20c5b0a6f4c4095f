import NIOCore

/// Asks for the parameter and row description of a prepared statement, or the row description
/// of a portal.
public struct Describe: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.describe.rawValue }

    public var target: PreparedObject

    public init(target: PreparedObject) { self.target = target }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Describe")
        self.target = try PreparedObject(reader: &reader)
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        target.encode(into: &buffer)
    }
}
