import NIOCore
import WireProtocol

/// The codec's round trip on a decoded value: encoding it and decoding the result must give the
/// same value, and encoding that must give the same bytes. When the value holds no string that
/// needed repair (invalid UTF-8 becomes U+FFFD on decoding), the encoding must also be the very
/// bytes that were received: the proxy relies on a decoded message meaning exactly its bytes.
struct RoundTrip<Value: Hashable> {
    let target: String
    let what: String
    let phase: FrameDecoder.Phase
    let decode: (Frame) throws(ProtocolViolation) -> Value
    /// The whole frame, header included.
    let encode: (Value) -> ByteBuffer

    /// Decodes `frame`; a refusal ends the check, a decoded value is checked and returned.
    @discardableResult
    func check(_ frame: Frame) throws(FuzzFinding) -> Value? {
        guard let first = try? decode(frame) else { return nil }
        let encoded = encode(first)
        let second = try decodeAgain(encoded)
        guard second == first else {
            throw FuzzFinding(target, "\(what): decoding its own encoding gives \(second), not \(first)")
        }
        guard encode(second) == encoded else {
            throw FuzzFinding(target, "\(what): encoding is not stable over a round trip")
        }
        if encoded != frame.bytes && !StringRepair.happened(in: first) {
            throw FuzzFinding(
                target,
                "\(what): re-encoded as \(Array(encoded.readableBytesView)), received as \(Array(frame.bytes.readableBytesView))")
        }
        return first
    }

    private func decodeAgain(_ encoded: ByteBuffer) throws(FuzzFinding) -> Value {
        var buffer = encoded
        var decoder = FrameDecoder(phase: phase)
        var frame: Frame?
        do throws(ProtocolViolation) {
            frame = try decoder.next(from: &buffer)
        } catch {
            // Repaired strings grow (one bad byte becomes three), which can push a startup packet
            // over its limit; the payload alone is then what is checked.
            guard error.kind == .lengthTooLarge else {
                throw FuzzFinding(target, "\(what): its encoding does not frame: \(error)")
            }
            frame = Frame(id: phase == .startup ? nil : encoded.getInteger(at: encoded.readerIndex), bytes: encoded)
            buffer.moveReaderIndex(to: buffer.writerIndex)
        }
        guard let frame, buffer.readableBytes == 0 else {
            throw FuzzFinding(target, "\(what): its encoding is not exactly one frame")
        }
        do throws(ProtocolViolation) {
            return try decode(frame)
        } catch {
            throw FuzzFinding(target, "\(what): its own encoding does not decode: \(error)")
        }
    }
}

extension RoundTrip where Value: WireMessage {
    /// The round trip of one message type.
    init(_ type: Value.Type, target: String, phase: FrameDecoder.Phase = .messages) {
        self.init(
            target: target, what: String(describing: type), phase: phase,
            decode: { (frame: Frame) throws(ProtocolViolation) -> Value in try Value(frame: frame) },
            encode: { FrameEncoder.frame($0) })
    }
}
