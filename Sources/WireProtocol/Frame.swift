import NIOCore

/// One protocol message as it arrived: the type byte and the payload, as slices of the buffer
/// that was read, so relaying a frame writes the received bytes without copying or re-encoding.
public struct Frame: Hashable, Sendable {
    /// The type byte; `nil` for startup-phase packets (StartupMessage, SSLRequest, GSSENCRequest,
    /// CancelRequest), which have none.
    public var id: UInt8?
    /// The payload, without type byte and length.
    public var payload: ByteBuffer
    /// The whole frame, header included, exactly as received.
    public var bytes: ByteBuffer

    public init(id: UInt8?, payload: ByteBuffer, bytes: ByteBuffer) {
        self.id = id
        self.payload = payload
        self.bytes = bytes
    }

    public var frontendID: FrontendMessageID? { id.map(FrontendMessageID.init(rawValue:)) }
    public var backendID: BackendMessageID? { id.map(BackendMessageID.init(rawValue:)) }
}
