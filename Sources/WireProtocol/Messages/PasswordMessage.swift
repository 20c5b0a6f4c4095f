import NIOCore

/// A cleartext password, or "md5" and the hex digest, in answer to Authentication's
/// cleartextPassword or md5Password. Shares type byte 'p' with the SASL and GSS responses; the
/// authentication request in progress says which of them a 'p' frame is.
public struct PasswordMessage: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.password.rawValue }

    public var password: String

    public init(password: String) { self.password = password }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "PasswordMessage")
        self.password = try reader.cString()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(password)
    }
}
