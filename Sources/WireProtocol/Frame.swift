import NIOCore

/// One protocol message as it arrived: the type byte and the whole frame as a slice of the buffer
/// that was read, so relaying a frame writes the received bytes without copying or re-encoding.
/// The payload is cut from `bytes` only when something reads it: most relayed frames are never
/// looked into, and a slice costs a reference count on the buffer's storage.
public struct Frame: Hashable, Sendable {
    /// The type byte; `nil` for startup-phase packets (StartupMessage, SSLRequest, GSSENCRequest,
    /// CancelRequest), which have none.
    public var id: UInt8?
    /// The whole frame, header included, exactly as received.
    public var bytes: ByteBuffer

    /// `bytes` must hold the header (the type byte when `id` is set, then the length), so that
    /// `payload` can find the body behind it.
    public init(id: UInt8?, bytes: ByteBuffer) {
        precondition(bytes.readableBytes >= (id == nil ? 4 : 5), "a frame holds at least its header")
        self.id = id
        self.bytes = bytes
    }

    /// The payload, without type byte and length.
    public var payload: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + headerLength, length: bytes.readableBytes - headerLength)!
    }

    /// The first payload byte, without cutting a slice: ReadyForQuery's status, and the first byte
    /// of a command tag, are read for every statement.
    public var firstPayloadByte: UInt8? {
        bytes.getInteger(at: bytes.readerIndex + headerLength, as: UInt8.self)
    }

    private var headerLength: Int { id == nil ? 4 : 5 }

    public var frontendID: FrontendMessageID? { id.map(FrontendMessageID.init(rawValue:)) }
    public var backendID: BackendMessageID? { id.map(BackendMessageID.init(rawValue:)) }
}
