import NIOCore

/// Runs a portal.
public struct Execute: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.execute.rawValue }

    /// Empty for the unnamed portal.
    public var portalName: String
    /// The most rows to return before PortalSuspended; the server reads zero or less as "all", so
    /// a negative value is kept, not refused.
    public var maxRows: Int32

    public init(portalName: String, maxRows: Int32 = 0) {
        self.portalName = portalName
        self.maxRows = maxRows
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Execute")
        self.portalName = try reader.cString()
        self.maxRows = try reader.int32()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(portalName)
        buffer.writeInteger(maxRows)
    }
}
