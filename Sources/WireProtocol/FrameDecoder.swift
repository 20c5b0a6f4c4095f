import NIOCore

/// Splits a byte stream into frames. Pure: it only reads the buffer it is given and keeps no bytes
/// of its own, following `ByteToMessageDecoder`'s contract: a partial frame is left unread.
public struct FrameDecoder: Sendable {
    public enum Phase: Hashable, Sendable {
        /// Untyped packets: `Int32 length` (self-inclusive), then the body. A client's first
        /// packets are like this, until its StartupMessage.
        case startup
        /// Typed messages: `Byte1 id`, `Int32 length` (self-inclusive), then the payload.
        case messages
    }

    /// The server's own limit on a startup packet (`MAX_STARTUP_PACKET_LENGTH`).
    public static let maximumStartupPacketLength = 10_000
    /// The server's own limit on a message (`PQ_LARGE_MESSAGE_LIMIT`, 1 GiB - 1).
    public static let defaultMaximumMessageLength = 0x3fff_ffff

    public var phase: Phase
    public var maximumMessageLength: Int
    /// Refuse a message whose type byte is not an ASCII letter or digit as soon as that byte
    /// arrives, before its length: the server rejects an unknown type the same way, so a client
    /// that sends, say, a second StartupMessage (whose first byte is 0) gets its error at once
    /// instead of waiting for a length it never meant to send. Every message type of every
    /// protocol version is a letter or digit, so types this code does not know still pass.
    public var requiresAlphanumericIDs: Bool

    public init(phase: Phase, maximumMessageLength: Int = Self.defaultMaximumMessageLength, requiresAlphanumericIDs: Bool = false) {
        self.phase = phase
        self.maximumMessageLength = maximumMessageLength
        self.requiresAlphanumericIDs = requiresAlphanumericIDs
    }

    /// Takes one complete frame off the front of `buffer`, or returns `nil` (consuming nothing)
    /// when the buffer does not yet hold a whole one. A length field out of range throws as soon as
    /// the header is there, so a hostile length never makes the caller wait for its body.
    public mutating func next(from buffer: inout ByteBuffer) throws(ProtocolViolation) -> Frame? {
        guard let header = try self.peek(buffer) else { return nil }
        return Self.take(header, from: &buffer)
    }

    /// The header of the complete frame at the front of `buffer`, consuming nothing; `nil` when
    /// the buffer does not yet hold a whole one. It checks what `next(from:)` checks. A relay
    /// that needs only the type byte skips the frame with `FrameHeader.length`, and so never
    /// cuts a slice (a reference count on the buffer's storage) for it.
    public func peek(_ buffer: ByteBuffer) throws(ProtocolViolation) -> FrameHeader? {
        switch self.phase {
        case .startup:
            return try self.peekStartupPacket(buffer)
        case .messages:
            return try self.peekMessage(buffer)
        }
    }

    /// The frame `header` describes, taken off the front of `buffer`; `header` must be what
    /// `peek(_:)` returned for this buffer.
    public static func take(_ header: FrameHeader, from buffer: inout ByteBuffer) -> Frame {
        Frame(id: header.id, bytes: buffer.readSlice(length: header.length)!)
    }

    private func peekStartupPacket(_ buffer: ByteBuffer) throws(ProtocolViolation) -> FrameHeader? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        guard length >= 8 else {
            throw ProtocolViolation(.lengthTooSmall, "invalid length of startup packet: \(length)")
        }
        guard length <= Self.maximumStartupPacketLength else {
            throw ProtocolViolation(.lengthTooLarge, "invalid length of startup packet: \(length)")
        }
        guard buffer.readableBytes >= Int(length) else { return nil }
        return FrameHeader(id: nil, length: Int(length))
    }

    private func peekMessage(_ buffer: ByteBuffer) throws(ProtocolViolation) -> FrameHeader? {
        // One look at the storage for both fields: each `getInteger` is an access of its own.
        let (id, rawLength): (UInt8?, UInt32?) = buffer.withUnsafeReadableBytes { bytes in
            guard let id = bytes.first else { return (nil, nil) }
            guard bytes.count >= 5 else { return (id, nil) }
            return (id, UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        }
        guard let id else { return nil }
        if requiresAlphanumericIDs, !Self.isAlphanumeric(id) {
            throw ProtocolViolation(.unexpectedMessage, "invalid frontend message type \(id)")
        }
        guard let rawLength else { return nil }
        let length = Int32(bitPattern: rawLength)
        guard length >= 4 else {
            throw ProtocolViolation(
                .lengthTooSmall, "invalid message length \(length) for message type \(MessageIDText.describe(id))")
        }
        guard Int(length) <= self.maximumMessageLength else {
            throw ProtocolViolation(
                .lengthTooLarge,
                "message of type \(MessageIDText.describe(id)) is \(length) bytes, over the limit of \(self.maximumMessageLength)")
        }
        guard buffer.readableBytes > Int(length) else { return nil }
        return FrameHeader(id: id, length: Int(length) + 1)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
