/// The answer to Describe for a statement or portal that returns no rows.
public struct NoData: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.noData.rawValue }

    public init() {}
}
