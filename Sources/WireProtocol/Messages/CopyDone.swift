/// The end of a COPY data stream, from whichever side was sending. The type byte is the same in
/// both directions, so one type serves both.
public struct CopyDone: FrontendMessage, BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { FrontendMessageID.copyDone.rawValue }

    public init() {}
}
