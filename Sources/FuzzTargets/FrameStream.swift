import NIOCore
import WireProtocol

/// The frames a `FrameDecoder` cuts from one byte stream, and the violation that ended it, if any.
/// `split` checks the decoder's contract that how the bytes arrive does not matter: the stream fed
/// a few bytes at a time (so every header and body is cut somewhere) must give the same frames and
/// the same violation as the stream in one piece.
struct FrameStream {
    var frames: [Frame] = []
    var violation: ProtocolViolation?

    /// Decodes `input` in one piece; `keepGoing` says, after each frame, whether the session would
    /// still be reading in `phase` (a startup target stops at a StartupMessage, for instance).
    static func decode(
        _ input: UnsafeRawBufferPointer, phase: FrameDecoder.Phase, keepGoing: (Frame) -> Bool = { _ in true }
    ) -> FrameStream {
        var buffer = ByteBuffer(bytes: input)
        var decoder = FrameDecoder(phase: phase)
        var stream = FrameStream()
        do {
            while let frame = try decoder.next(from: &buffer) {
                stream.frames.append(frame)
                if !keepGoing(frame) { break }
            }
        } catch {
            stream.violation = error
        }
        return stream
    }

    /// The same stream fed `chunk` bytes at a time.
    static func decode(
        _ input: UnsafeRawBufferPointer, phase: FrameDecoder.Phase, chunk: Int, keepGoing: (Frame) -> Bool = { _ in true }
    ) -> FrameStream {
        var buffer = ByteBuffer()
        var decoder = FrameDecoder(phase: phase)
        var stream = FrameStream()
        var offset = 0
        while offset < input.count {
            let end = min(offset + chunk, input.count)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: input[offset..<end]))
            offset = end
            do {
                while let frame = try decoder.next(from: &buffer) {
                    stream.frames.append(frame)
                    if !keepGoing(frame) { return stream }
                }
            } catch {
                stream.violation = error
                return stream
            }
        }
        return stream
    }

    /// Both ways of feeding `input`, checked against each other; the one-piece result is returned.
    static func checked(
        _ input: UnsafeRawBufferPointer, phase: FrameDecoder.Phase, target: String,
        keepGoing: (Frame) -> Bool = { _ in true }
    ) throws(FuzzFinding) -> FrameStream {
        let whole = decode(input, phase: phase, keepGoing: keepGoing)
        let split = decode(input, phase: phase, chunk: 3, keepGoing: keepGoing)
        guard whole.frames.map(\.bytes) == split.frames.map(\.bytes), whole.violation == split.violation else {
            throw FuzzFinding(
                target,
                "frames depend on how the bytes arrive: \(whole.frames.count) frames (\(whole.violation.map(String.init(describing:)) ?? "no error")) in one piece, \(split.frames.count) (\(split.violation.map(String.init(describing:)) ?? "no error")) in 3-byte pieces")
        }
        for frame in whole.frames {
            let lengthAt = frame.bytes.readerIndex + (frame.id == nil ? 0 : 1)
            let length = frame.bytes.getInteger(at: lengthAt, as: Int32.self).map(Int.init)
            guard length == frame.bytes.readableBytes - (frame.id == nil ? 0 : 1) else {
                throw FuzzFinding(target, "a frame's bytes are not the length its header gives")
            }
        }
        return whole
    }
}
