/// What cutover rules match a session on. `applicationName` follows the session: a
/// `SET application_name` is seen in the server's ParameterStatus and applies from the next
/// transaction on.
public struct ClientIdentity: Hashable, Sendable {
    public var applicationName: String
    public var user: String
    public var database: String
    /// The client's IP address without port; nil for a Unix socket or an unknown peer.
    public var address: IPAddress?

    public init(applicationName: String = "", user: String, database: String, address: IPAddress? = nil) {
        self.applicationName = applicationName
        self.user = user
        self.database = database
        self.address = address
    }
}
