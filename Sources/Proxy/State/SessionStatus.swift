import Foundation

/// What the admin console's SHOW SESSIONS shows of one session. Each session publishes it to the
/// tracker when it changes (startup done, a request sent, a ReadyForQuery), from its event loop.
public struct SessionStatus: Sendable, Equatable {
    public enum State: String, Sendable, Equatable, CaseIterable {
        /// Before authentication completed.
        case startup
        case idle
        /// A request is with the server.
        case active
        case inTransaction = "in-transaction"
        case failedTransaction = "in-failed-transaction"
        /// An admin console session.
        case admin
    }

    public var id: UInt64
    public var clientAddress: String
    public var user: String?
    public var database: String?
    public var applicationName: String?
    public var state: State
    public var connectedAt: Date

    public init(info: SessionInfo, state: State, connectedAt: Date) {
        id = info.id
        clientAddress = info.clientAddress
        user = info.user
        database = info.database
        applicationName = info.applicationName
        self.state = state
        self.connectedAt = connectedAt
    }

    /// The client's IP address without the port (`1.2.3.4:5678`, `::1:5678`), for rules that
    /// match on addresses; nil for a Unix socket.
    public var clientIPAddress: IPAddress? {
        guard let colon = clientAddress.lastIndex(of: ":") else { return nil }
        return IPAddress(String(clientAddress[..<colon]))
    }
}
