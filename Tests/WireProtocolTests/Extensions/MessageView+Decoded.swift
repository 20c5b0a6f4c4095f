import WireProtocol

// Test-only: every case of the views decoded, so one loop can check the whole table.

extension BackendMessageView {
    /// The decoded message, or `nil` for frames the view leaves undecoded.
    func decoded() throws -> (any BackendMessage)? {
        switch self {
        case .authentication(let lazy): return try lazy.decode()
        case .backendKeyData(let lazy): return try lazy.decode()
        case .bindComplete(let lazy): return try lazy.decode()
        case .closeComplete(let lazy): return try lazy.decode()
        case .commandComplete(let lazy): return try lazy.decode()
        case .copyData(let lazy): return try lazy.decode()
        case .copyDone(let lazy): return try lazy.decode()
        case .copyInResponse(let lazy): return try lazy.decode()
        case .copyOutResponse(let lazy): return try lazy.decode()
        case .copyBothResponse(let lazy): return try lazy.decode()
        case .dataRow(let lazy): return try lazy.decode()
        case .emptyQueryResponse(let lazy): return try lazy.decode()
        case .errorResponse(let lazy): return try lazy.decode()
        case .functionCallResponse(let lazy): return try lazy.decode()
        case .negotiateProtocolVersion(let lazy): return try lazy.decode()
        case .noData(let lazy): return try lazy.decode()
        case .noticeResponse(let lazy): return try lazy.decode()
        case .notificationResponse(let lazy): return try lazy.decode()
        case .parameterDescription(let lazy): return try lazy.decode()
        case .parameterStatus(let lazy): return try lazy.decode()
        case .parseComplete(let lazy): return try lazy.decode()
        case .portalSuspended(let lazy): return try lazy.decode()
        case .readyForQuery(let lazy): return try lazy.decode()
        case .rowDescription(let lazy): return try lazy.decode()
        case .unknown: return nil
        }
    }
}

extension FrontendMessageView {
    /// The decoded message, or `nil` for frames the view leaves undecoded.
    func decoded() throws -> (any FrontendMessage)? {
        switch self {
        case .bind(let lazy): return try lazy.decode()
        case .close(let lazy): return try lazy.decode()
        case .copyData(let lazy): return try lazy.decode()
        case .copyDone(let lazy): return try lazy.decode()
        case .copyFail(let lazy): return try lazy.decode()
        case .describe(let lazy): return try lazy.decode()
        case .execute(let lazy): return try lazy.decode()
        case .flush(let lazy): return try lazy.decode()
        case .functionCall(let lazy): return try lazy.decode()
        case .parse(let lazy): return try lazy.decode()
        case .query(let lazy): return try lazy.decode()
        case .sync(let lazy): return try lazy.decode()
        case .terminate(let lazy): return try lazy.decode()
        case .authenticationResponse: return nil
        case .unknown: return nil
        }
    }
}
