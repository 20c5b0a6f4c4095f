/// What a client's typed frame is, read from its type byte alone; decoding waits for `decode()`.
public enum FrontendMessageView: Hashable, Sendable {
    case bind(LazyMessage<Bind>)
    case close(LazyMessage<Close>)
    case copyData(LazyMessage<CopyData>)
    case copyDone(LazyMessage<CopyDone>)
    case copyFail(LazyMessage<CopyFail>)
    case describe(LazyMessage<Describe>)
    case execute(LazyMessage<Execute>)
    case flush(LazyMessage<Flush>)
    case functionCall(LazyMessage<FunctionCall>)
    case parse(LazyMessage<Parse>)
    /// PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse: only the authentication
    /// request being answered says which, so the frame is left for the session to decode.
    case authenticationResponse(Frame)
    case query(LazyMessage<Query>)
    case sync(LazyMessage<Sync>)
    case terminate(LazyMessage<Terminate>)
    /// A type this code does not know; relayed as it is.
    case unknown(Frame)

    /// `frame` must be a typed frame (after the startup phase); startup packets have `StartupPacket`.
    public init(frame: Frame) {
        guard let id = frame.frontendID else {
            self = .unknown(frame)
            return
        }
        switch id {
        case .bind: self = .bind(LazyMessage(frame: frame))
        case .close: self = .close(LazyMessage(frame: frame))
        case .copyData: self = .copyData(LazyMessage(frame: frame))
        case .copyDone: self = .copyDone(LazyMessage(frame: frame))
        case .copyFail: self = .copyFail(LazyMessage(frame: frame))
        case .describe: self = .describe(LazyMessage(frame: frame))
        case .execute: self = .execute(LazyMessage(frame: frame))
        case .flush: self = .flush(LazyMessage(frame: frame))
        case .functionCall: self = .functionCall(LazyMessage(frame: frame))
        case .parse: self = .parse(LazyMessage(frame: frame))
        case .password: self = .authenticationResponse(frame)
        case .query: self = .query(LazyMessage(frame: frame))
        case .sync: self = .sync(LazyMessage(frame: frame))
        case .terminate: self = .terminate(LazyMessage(frame: frame))
        default: self = .unknown(frame)
        }
    }
}
