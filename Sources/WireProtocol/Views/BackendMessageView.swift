/// What a server's frame is, read from its type byte alone; decoding waits for `decode()`.
public enum BackendMessageView: Hashable, Sendable {
    case authentication(LazyMessage<Authentication>)
    case backendKeyData(LazyMessage<BackendKeyData>)
    case bindComplete(LazyMessage<BindComplete>)
    case closeComplete(LazyMessage<CloseComplete>)
    case commandComplete(LazyMessage<CommandComplete>)
    case copyData(LazyMessage<CopyData>)
    case copyDone(LazyMessage<CopyDone>)
    case copyInResponse(LazyMessage<CopyInResponse>)
    case copyOutResponse(LazyMessage<CopyOutResponse>)
    case copyBothResponse(LazyMessage<CopyBothResponse>)
    case dataRow(LazyMessage<DataRow>)
    case emptyQueryResponse(LazyMessage<EmptyQueryResponse>)
    case errorResponse(LazyMessage<ErrorResponse>)
    case functionCallResponse(LazyMessage<FunctionCallResponse>)
    case negotiateProtocolVersion(LazyMessage<NegotiateProtocolVersion>)
    case noData(LazyMessage<NoData>)
    case noticeResponse(LazyMessage<NoticeResponse>)
    case notificationResponse(LazyMessage<NotificationResponse>)
    case parameterDescription(LazyMessage<ParameterDescription>)
    case parameterStatus(LazyMessage<ParameterStatus>)
    case parseComplete(LazyMessage<ParseComplete>)
    case portalSuspended(LazyMessage<PortalSuspended>)
    case readyForQuery(LazyMessage<ReadyForQuery>)
    case rowDescription(LazyMessage<RowDescription>)
    /// A type this code does not know; relayed as it is.
    case unknown(Frame)

    public init(frame: Frame) {
        guard let id = frame.backendID else {
            self = .unknown(frame)
            return
        }
        switch id {
        case .authentication: self = .authentication(LazyMessage(frame: frame))
        case .backendKeyData: self = .backendKeyData(LazyMessage(frame: frame))
        case .bindComplete: self = .bindComplete(LazyMessage(frame: frame))
        case .closeComplete: self = .closeComplete(LazyMessage(frame: frame))
        case .commandComplete: self = .commandComplete(LazyMessage(frame: frame))
        case .copyData: self = .copyData(LazyMessage(frame: frame))
        case .copyDone: self = .copyDone(LazyMessage(frame: frame))
        case .copyInResponse: self = .copyInResponse(LazyMessage(frame: frame))
        case .copyOutResponse: self = .copyOutResponse(LazyMessage(frame: frame))
        case .copyBothResponse: self = .copyBothResponse(LazyMessage(frame: frame))
        case .dataRow: self = .dataRow(LazyMessage(frame: frame))
        case .emptyQueryResponse: self = .emptyQueryResponse(LazyMessage(frame: frame))
        case .errorResponse: self = .errorResponse(LazyMessage(frame: frame))
        case .functionCallResponse: self = .functionCallResponse(LazyMessage(frame: frame))
        case .negotiateProtocolVersion: self = .negotiateProtocolVersion(LazyMessage(frame: frame))
        case .noData: self = .noData(LazyMessage(frame: frame))
        case .noticeResponse: self = .noticeResponse(LazyMessage(frame: frame))
        case .notificationResponse: self = .notificationResponse(LazyMessage(frame: frame))
        case .parameterDescription: self = .parameterDescription(LazyMessage(frame: frame))
        case .parameterStatus: self = .parameterStatus(LazyMessage(frame: frame))
        case .parseComplete: self = .parseComplete(LazyMessage(frame: frame))
        case .portalSuspended: self = .portalSuspended(LazyMessage(frame: frame))
        case .readyForQuery: self = .readyForQuery(LazyMessage(frame: frame))
        case .rowDescription: self = .rowDescription(LazyMessage(frame: frame))
        default: self = .unknown(frame)
        }
    }
}
