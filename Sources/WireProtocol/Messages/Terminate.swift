import NIOCore

public struct Terminate: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.terminate.rawValue }

    public init() {}

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        try PayloadReader(payload, message: "Terminate").finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {}
}
