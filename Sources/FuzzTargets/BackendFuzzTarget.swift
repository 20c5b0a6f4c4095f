import WireProtocol

/// A server's messages: `FrameDecoder` in the message phase, each frame read through
/// `BackendMessageView` and decoded as its type, every decoded message round-tripped.
public struct BackendFuzzTarget: FuzzTarget {
    private static let name = FuzzTargetName.backend.rawValue

    public init() {}

    public func run(_ input: UnsafeRawBufferPointer) throws(FuzzFinding) {
        for frame in try FrameStream.checked(input, phase: .messages, target: Self.name).frames {
            try Self.check(BackendMessageView(frame: frame))
        }
    }

    private static func check(_ view: BackendMessageView) throws(FuzzFinding) {
        switch view {
        case .authentication(let lazy): try RoundTrip(Authentication.self, target: name).check(lazy.frame)
        case .backendKeyData(let lazy): try RoundTrip(BackendKeyData.self, target: name).check(lazy.frame)
        case .bindComplete(let lazy): try RoundTrip(BindComplete.self, target: name).check(lazy.frame)
        case .closeComplete(let lazy): try RoundTrip(CloseComplete.self, target: name).check(lazy.frame)
        case .commandComplete(let lazy): try RoundTrip(CommandComplete.self, target: name).check(lazy.frame)
        case .copyData(let lazy): try RoundTrip(CopyData.self, target: name).check(lazy.frame)
        case .copyDone(let lazy): try RoundTrip(CopyDone.self, target: name).check(lazy.frame)
        case .copyInResponse(let lazy): try RoundTrip(CopyInResponse.self, target: name).check(lazy.frame)
        case .copyOutResponse(let lazy): try RoundTrip(CopyOutResponse.self, target: name).check(lazy.frame)
        case .copyBothResponse(let lazy): try RoundTrip(CopyBothResponse.self, target: name).check(lazy.frame)
        case .dataRow(let lazy): try RoundTrip(DataRow.self, target: name).check(lazy.frame)
        case .emptyQueryResponse(let lazy): try RoundTrip(EmptyQueryResponse.self, target: name).check(lazy.frame)
        case .errorResponse(let lazy):
            // The proxy reads an error's SQLSTATE and message to audit it.
            if let error = try RoundTrip(ErrorResponse.self, target: name).check(lazy.frame) {
                _ = (error.fields.sqlState, error.fields.message)
            }
        case .functionCallResponse(let lazy): try RoundTrip(FunctionCallResponse.self, target: name).check(lazy.frame)
        case .negotiateProtocolVersion(let lazy):
            try RoundTrip(NegotiateProtocolVersion.self, target: name).check(lazy.frame)
        case .noData(let lazy): try RoundTrip(NoData.self, target: name).check(lazy.frame)
        case .noticeResponse(let lazy): try RoundTrip(NoticeResponse.self, target: name).check(lazy.frame)
        case .notificationResponse(let lazy): try RoundTrip(NotificationResponse.self, target: name).check(lazy.frame)
        case .parameterDescription(let lazy): try RoundTrip(ParameterDescription.self, target: name).check(lazy.frame)
        case .parameterStatus(let lazy): try RoundTrip(ParameterStatus.self, target: name).check(lazy.frame)
        case .parseComplete(let lazy): try RoundTrip(ParseComplete.self, target: name).check(lazy.frame)
        case .portalSuspended(let lazy): try RoundTrip(PortalSuspended.self, target: name).check(lazy.frame)
        case .readyForQuery(let lazy): try RoundTrip(ReadyForQuery.self, target: name).check(lazy.frame)
        case .rowDescription(let lazy): try RoundTrip(RowDescription.self, target: name).check(lazy.frame)
        case .unknown(let frame):
            guard frame.id != nil else { throw FuzzFinding(name, "a typed frame without a type byte") }
        }
    }
}
