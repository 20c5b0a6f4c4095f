import NIOCore

/// The end of one statement's results, with its command tag ("SELECT 3", "INSERT 0 1", …).
public struct CommandComplete: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.commandComplete.rawValue }

    public var tag: String

    public init(tag: String) { self.tag = tag }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "CommandComplete")
        self.tag = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(tag)
    }
}
