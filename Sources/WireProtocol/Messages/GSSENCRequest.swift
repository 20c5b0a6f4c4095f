import NIOCore

/// Asks for GSSAPI encryption; pgcutover always answers 'N', which clients treat as "go on in the clear
/// or with TLS".
public struct GSSENCRequest: FrontendMessage {
    public static var messageID: UInt8? { nil }
    public static let requestCode: Int32 = 80_877_104

    public init() {}

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "GSSENCRequest")
        guard try reader.int32() == Self.requestCode else {
            throw ProtocolViolation(.invalidValue, "GSSENCRequest: wrong request code")
        }
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.requestCode)
    }
}
