/// The answer to a successful Parse.
public struct ParseComplete: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.parseComplete.rawValue }

    public init() {}
}
