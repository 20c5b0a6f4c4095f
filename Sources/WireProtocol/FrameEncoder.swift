import NIOCore

/// Writes frames: a type byte (none in the startup phase), a self-inclusive Int32 length, and the
/// payload that `body` writes. The length is patched in after the body, so callers never count bytes.
public enum FrameEncoder {
    public static func write(
        id: UInt8?, into buffer: inout ByteBuffer, body: (inout ByteBuffer) -> Void
    ) {
        if let id { buffer.writeInteger(id) }
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        body(&buffer)
        buffer.setInteger(Int32(buffer.writerIndex - lengthIndex), at: lengthIndex)
    }

    public static func frame<M: WireMessage>(_ message: M, allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        message.encodeFrame(into: &buffer)
        return buffer
    }
}
