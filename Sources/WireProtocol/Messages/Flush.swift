/// Asks the server to send what it has buffered, without ending the extended-query cycle.
public struct Flush: FrontendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { FrontendMessageID.flush.rawValue }

    public init() {}
}
