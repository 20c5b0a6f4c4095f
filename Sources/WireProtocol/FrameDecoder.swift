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
        switch self.phase {
        case .startup:
            return try self.nextStartupPacket(from: &buffer)
        case .messages:
            return try self.nextMessage(from: &buffer)
        }
    }

    private func nextStartupPacket(from buffer: inout ByteBuffer) throws(ProtocolViolation) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        guard length >= 8 else {
            throw ProtocolViolation(.lengthTooSmall, "invalid length of startup packet: \(length)")
        }
        guard length <= Self.maximumStartupPacketLength else {
            throw ProtocolViolation(.lengthTooLarge, "invalid length of startup packet: \(length)")
        }
        guard let bytes = buffer.readSlice(length: Int(length)) else { return nil }
        let payload = bytes.getSlice(at: bytes.readerIndex + 4, length: Int(length) - 4)!
        return Frame(id: nil, payload: payload, bytes: bytes)
    }

    private func nextMessage(from buffer: inout ByteBuffer) throws(ProtocolViolation) -> Frame? {
        let start = buffer.readerIndex
        guard let id = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        if requiresAlphanumericIDs, !Self.isAlphanumeric(id) {
            throw ProtocolViolation(.unexpectedMessage, "invalid frontend message type \(id)")
        }
        guard let length = buffer.getInteger(at: start + 1, as: Int32.self) else { return nil }
        guard length >= 4 else {
            throw ProtocolViolation(
                .lengthTooSmall, "invalid message length \(length) for message type \(MessageIDText.describe(id))")
        }
        guard Int(length) <= self.maximumMessageLength else {
            throw ProtocolViolation(
                .lengthTooLarge,
                "message of type \(MessageIDText.describe(id)) is \(length) bytes, over the limit of \(self.maximumMessageLength)")
        }
        guard let bytes = buffer.readSlice(length: Int(length) + 1) else { return nil }
        let payload = bytes.getSlice(at: bytes.readerIndex + 5, length: Int(length) - 4)!
        return Frame(id: id, payload: payload, bytes: bytes)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
