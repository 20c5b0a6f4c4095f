import NIOCore

/// Sent on a new connection to cancel the query running in another session. The secret key is
/// kept as bytes: protocol 3.2 allows keys of up to 256 bytes, 3.0 has 4.
public struct CancelRequest: FrontendMessage {
    public static var messageID: UInt8? { nil }
    public static let requestCode: Int32 = 80_877_102

    public var processID: Int32
    public var secretKey: ByteBuffer

    public init(processID: Int32, secretKey: ByteBuffer) {
        self.processID = processID
        self.secretKey = secretKey
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "CancelRequest")
        guard try reader.int32() == Self.requestCode else {
            throw ProtocolViolation(.invalidValue, "CancelRequest: wrong request code")
        }
        self.processID = try reader.int32()
        self.secretKey = try reader.cancelKey()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.requestCode)
        buffer.writeInteger(processID)
        var key = secretKey
        buffer.writeBuffer(&key)
    }
}
