import NIOCore

/// A NOTIFY delivered to a listening session. `processID` is the notifying backend's, which is
/// why the proxy must relay BackendKeyData unchanged: clients compare the two.
public struct NotificationResponse: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.notificationResponse.rawValue }

    public var processID: Int32
    public var channel: String
    public var payload: String

    public init(processID: Int32, channel: String, payload: String) {
        self.processID = processID
        self.channel = channel
        self.payload = payload
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "NotificationResponse")
        self.processID = try reader.int32()
        self.channel = try reader.cString()
        self.payload = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(processID)
        buffer.writeCString(channel)
        buffer.writeCString(payload)
    }
}
