import NIOCore

/// What a client's untyped startup-phase packet is, told apart by the code in its first four bytes.
public enum StartupPacket: Hashable, Sendable {
    case startup(StartupMessage)
    case sslRequest
    case gssEncRequest
    case cancel(CancelRequest)

    public init(frame: Frame) throws(ProtocolViolation) {
        guard frame.id == nil else {
            throw ProtocolViolation(.unexpectedMessage, "expected a startup packet")
        }
        guard let code = frame.payload.getInteger(at: frame.payload.readerIndex, as: Int32.self) else {
            throw .truncated("startup packet")
        }
        switch code {
        case SSLRequest.requestCode:
            _ = try SSLRequest(payload: frame.payload)
            self = .sslRequest
        case GSSENCRequest.requestCode:
            _ = try GSSENCRequest(payload: frame.payload)
            self = .gssEncRequest
        case CancelRequest.requestCode:
            self = .cancel(try CancelRequest(payload: frame.payload))
        default:
            // The server accepts 3.0 through its own newest minor version and answers a newer minor
            // with NegotiateProtocolVersion; any other major is refused.
            guard code >> 16 == 3 else {
                throw ProtocolViolation(
                    .invalidValue,
                    "unsupported frontend protocol \(code >> 16).\(code & 0xffff): server supports 3.0 to 3.2")
            }
            self = .startup(try StartupMessage(payload: frame.payload))
        }
    }
}
