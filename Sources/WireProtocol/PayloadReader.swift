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

    public mutating func int32() throws(ProtocolViolation) -> Int32 {
        guard let value = buffer.readInteger(as: Int32.self) else { throw .truncated(message) }
        return value
    }

    public mutating func uint32() throws(ProtocolViolation) -> UInt32 {
        guard let value = buffer.readInteger(as: UInt32.self) else { throw .truncated(message) }
        return value
    }

    /// A non-negative count, checked against what is left so a hostile count cannot make a
    /// decoder reserve memory for elements that are not there.
    public mutating func count16(elementSize: Int) throws(ProtocolViolation) -> Int {
        let value = Int(try int16())
        guard value >= 0 else { throw ProtocolViolation(.invalidValue, "\(message): negative count \(value)") }
        guard value * elementSize <= remaining else { throw .truncated(message) }
        return value
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
