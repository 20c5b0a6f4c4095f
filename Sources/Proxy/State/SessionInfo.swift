import Logging

/// Who a session is, for logs and (later) audit records and per-client rules.
public struct SessionInfo: Sendable {
    public var id: UInt64
    public var clientAddress: String
    /// The client's IP address for cutover rules; nil for a Unix socket.
    public var clientIP: IPAddress?
    public var user: String?
    public var database: String?
    public var applicationName: String?

    public init(id: UInt64, clientAddress: String) {
        self.id = id
        self.clientAddress = clientAddress
    }

    public var loggerMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["session": "\(id)", "client": "\(clientAddress)"]
        if let user { metadata["user"] = "\(user)" }
        if let database { metadata["database"] = "\(database)" }
        if let applicationName, !applicationName.isEmpty { metadata["application_name"] = "\(applicationName)" }
        return metadata
    }
}
