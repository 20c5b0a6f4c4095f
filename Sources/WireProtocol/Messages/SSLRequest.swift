import NIOCore

/// Asks the server whether it will speak TLS; answered by a single byte, 'S' or 'N'.
public struct SSLRequest: FrontendMessage {
    public static var messageID: UInt8? { nil }
    public static let requestCode: Int32 = 80_877_103

    public init() {}

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "SSLRequest")
        guard try reader.int32() == Self.requestCode else {
            throw ProtocolViolation(.invalidValue, "SSLRequest: wrong request code")
        }
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.requestCode)
    }
}
