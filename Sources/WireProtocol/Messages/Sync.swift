/// Ends an extended-query cycle: the server closes an implicit transaction and answers
/// ReadyForQuery, after skipping to here if an error occurred.
public struct Sync: FrontendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { FrontendMessageID.sync.rawValue }

    public init() {}
}
