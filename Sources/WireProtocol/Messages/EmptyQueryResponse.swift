/// Stands in for CommandComplete when the query string held no statement.
public struct EmptyQueryResponse: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.emptyQueryResponse.rawValue }

    public init() {}
}
