/// The answer to Close, sent even when the named statement or portal did not exist.
public struct CloseComplete: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.closeComplete.rawValue }

    public init() {}
}
