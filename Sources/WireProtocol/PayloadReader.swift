import NIOCore

/// Reads the fields of one payload and names the message in every error, so a violation says what
/// was malformed. Decoders use it instead of raw `ByteBuffer` reads so that truncation is never
/// mistaken for a value.
public struct PayloadReader {
    public var buffer: ByteBuffer
    public let message: String

    public init(_ buffer: ByteBuffer, message: String) {
        self.buffer = buffer
        self.message = message
    }

    public var isAtEnd: Bool { buffer.readableBytes == 0 }
    public var remaining: Int { buffer.readableBytes }

    public mutating func int8() throws(ProtocolViolation) -> UInt8 {
        guard let value = buffer.readInteger(as: UInt8.self) else { throw .truncated(message) }
        return value
    }

    public mutating func int16() throws(ProtocolViolation) -> Int16 {
        guard let value = buffer.readInteger(as: Int16.self) else { throw .truncated(message) }
        return value
    }

    /// Counts are read unsigned, as the server and libpq read them: a Bind may carry up to 65535
    /// parameters, so a count of 40000 is valid although the documentation calls the field Int16.
    public mutating func uint16() throws(ProtocolViolation) -> UInt16 {
        guard let value = buffer.readInteger(as: UInt16.self) else { throw .truncated(message) }
        return value
    }

    public mutating func int32() throws(ProtocolViolation) -> Int32 {
        guard let value = buffer.readInteger(as: Int32.self) else { throw .truncated(message) }
        return value
    }

    public mutating func uint32() throws(ProtocolViolation) -> UInt32 {
        guard let value = buffer.readInteger(as: UInt32.self) else { throw .truncated(message) }
        return value
    }

    /// An unsigned 16-bit count (the server reads these unsigned: up to 65,535 parameters),
    /// checked against what is left so a hostile count cannot make a decoder reserve memory for
    /// elements that are not there.
    public mutating func unsignedCount16(elementSize: Int) throws(ProtocolViolation) -> Int {
        try self.checked(count: Int(try uint16()), elementSize: elementSize)
    }

    /// A non-negative 32-bit count, checked against what is left like `unsignedCount16`.
    public mutating func count32(elementSize: Int) throws(ProtocolViolation) -> Int {
        let value = Int(try int32())
        guard value >= 0 else { throw ProtocolViolation(.invalidValue, "\(message): negative count \(value)") }
        return try self.checked(count: value, elementSize: elementSize)
    }

    private func checked(count: Int, elementSize: Int) throws(ProtocolViolation) -> Int {
        guard count * elementSize <= remaining else { throw .truncated(message) }
        return count
    }

    /// A format code as sent. See `FormatCode` for why any value is accepted here.
    public mutating func formatCode() throws(ProtocolViolation) -> FormatCode {
        FormatCode(rawValue: try int16())
    }

    /// A format code in a server's message, where only text and binary exist.
    public mutating func knownFormatCode() throws(ProtocolViolation) -> FormatCode {
        let code = try formatCode()
        guard code == .text || code == .binary else {
            throw ProtocolViolation(.invalidValue, "\(message): unknown format code \(code.rawValue)")
        }
        return code
    }

    public mutating func cString() throws(ProtocolViolation) -> String {
        guard let value = buffer.readNullTerminatedString() else {
            throw ProtocolViolation(.truncated, "\(message): string is not terminated")
        }
        return value
    }

    public mutating func bytes(_ count: Int) throws(ProtocolViolation) -> ByteBuffer {
        guard count >= 0, let slice = buffer.readSlice(length: count) else { throw .truncated(message) }
        return slice
    }

    /// A length-prefixed value where -1 means NULL.
    public mutating func nullableBytes() throws(ProtocolViolation) -> ByteBuffer? {
        let length = try int32()
        if length == -1 { return nil }
        guard length >= 0 else { throw ProtocolViolation(.invalidValue, "\(message): invalid value length \(length)") }
        return try bytes(Int(length))
    }

    /// A cancel key: the rest of the payload, 4 bytes in protocol 3.0 and up to 256 in 3.2. The
    /// frame's length is the key's: under 4 bytes is a cut-off message, over 256 a malformed one;
    /// bytes after a key cannot be told from a longer key.
    public mutating func cancelKey() throws(ProtocolViolation) -> ByteBuffer {
        let key = rest()
        guard key.readableBytes >= 4 else { throw .truncated(message) }
        guard key.readableBytes <= 256 else {
            throw ProtocolViolation(.invalidValue, "\(message): secret key of \(key.readableBytes) bytes")
        }
        return key
    }

    public mutating func rest() -> ByteBuffer {
        buffer.readSlice(length: buffer.readableBytes)!
    }

    public func finish() throws(ProtocolViolation) {
        guard buffer.readableBytes == 0 else { throw .trailing(message, buffer.readableBytes) }
    }
}

extension ByteBuffer {
    @inlinable
    public mutating func writeCString(_ string: String) {
        self.writeString(string)
        self.writeInteger(UInt8(0))
    }

    /// A 16-bit element count, written unsigned as the server reads it. More than 65535 elements
    /// cannot be expressed on the wire, so that is a caller's bug, not a runtime condition.
    @inlinable
    public mutating func writeCount16(_ count: Int) {
        precondition((0...Int(UInt16.max)).contains(count), "count \(count) does not fit a 16-bit field")
        self.writeInteger(UInt16(count))
    }

    @inlinable
    public mutating func writeNullableBytes(_ value: ByteBuffer?) {
        if var value {
            self.writeInteger(Int32(value.readableBytes))
            self.writeBuffer(&value)
        } else {
            self.writeInteger(Int32(-1))
        }
    }
}
