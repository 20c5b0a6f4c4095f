/// The answer to a successful Bind.
public struct BindComplete: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.bindComplete.rawValue }

    public init() {}
}
