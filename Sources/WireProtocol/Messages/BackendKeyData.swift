import NIOCore

/// The process id and secret key a client needs to cancel its queries. The key is bytes: 4 in
/// protocol 3.0, up to 256 in 3.2.
public struct BackendKeyData: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.backendKeyData.rawValue }

    public var processID: Int32
    public var secretKey: ByteBuffer

    public init(processID: Int32, secretKey: ByteBuffer) {
        self.processID = processID
        self.secretKey = secretKey
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "BackendKeyData")
        self.processID = try reader.int32()
        self.secretKey = try reader.cancelKey()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(processID)
        var key = secretKey
        buffer.writeBuffer(&key)
    }
}
