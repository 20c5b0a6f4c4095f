/// Ends an Execute that stopped at its row limit; the portal can be executed again for more.
public struct PortalSuspended: BackendMessage, PayloadlessMessage {
    public static var messageID: UInt8? { BackendMessageID.portalSuspended.rawValue }

    public init() {}
}
