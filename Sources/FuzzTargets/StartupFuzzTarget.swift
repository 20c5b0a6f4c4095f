import NIOCore
import WireProtocol

/// A client's first bytes: untyped packets as `FrameDecoder` cuts them in the startup phase, each
/// read as a `StartupPacket`. Like a session, it keeps reading after SSLRequest and GSSENCRequest
/// (answered 'N') and stops at a StartupMessage, a CancelRequest or a refusal.
public struct StartupFuzzTarget: FuzzTarget {
    private static let name = FuzzTargetName.startup.rawValue
    public init() {}

    public func run(_ input: UnsafeRawBufferPointer) throws(FuzzFinding) {
        let stream = try FrameStream.checked(input, phase: .startup, target: Self.name) { frame in
            switch try? StartupPacket(frame: frame) {
            case .sslRequest, .gssEncRequest: true
            case .startup, .cancel, nil: false
            }
        }
        let roundTrip = RoundTrip<StartupPacket>(
            target: Self.name, what: "StartupPacket", phase: .startup,
            decode: { (frame: Frame) throws(ProtocolViolation) -> StartupPacket in try StartupPacket(frame: frame) },
            encode: Self.encode)
        for frame in stream.frames {
            guard let packet = try roundTrip.check(frame) else { continue }
            if case .startup(let message) = packet {
                // What the session reads from it.
                _ = (message.majorVersion, message.minorVersion, message["user"], message["database"])
            }
        }
    }

    private static func encode(_ packet: StartupPacket) -> ByteBuffer {
        switch packet {
        case .startup(let message): FrameEncoder.frame(message)
        case .sslRequest: FrameEncoder.frame(SSLRequest())
        case .gssEncRequest: FrameEncoder.frame(GSSENCRequest())
        case .cancel(let request): FrameEncoder.frame(request)
        }
    }
}
