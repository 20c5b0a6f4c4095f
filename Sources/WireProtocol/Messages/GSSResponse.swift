import NIOCore

/// A GSSAPI or SSPI token, answering gss or gssContinue. A 'p' frame; the frame's length is the
/// token's length, so every payload is valid.
public struct GSSResponse: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.password.rawValue }

    public var data: ByteBuffer

    public init(data: ByteBuffer) { self.data = data }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        self.data = payload
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        var data = data
        buffer.writeBuffer(&data)
    }
}
