import NIOCore
import WireProtocol

/// Why the proxy itself ends a session or refuses a request. Each maps to the ErrorResponse fields
/// a Postgres server would send for the same situation, so clients handle them as they already do.
public struct SessionError: Error, Hashable, Sendable {
    public var sqlState: String
    public var message: String
    public var detail: String?
    public var hint: String?
    /// FATAL ends the session; ERROR leaves it usable.
    public var severity: String

    public init(sqlState: String, message: String, detail: String? = nil, hint: String? = nil, severity: String = "FATAL") {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.severity = severity
    }

    public var fields: ErrorFields {
        .error(sqlState: sqlState, message: message, detail: detail, hint: hint, severity: severity)
    }

    static func protocolViolation(_ violation: ProtocolViolation) -> Self {
        .init(sqlState: violation.sqlState, message: violation.message)
    }

    static func upstreamUnavailable(_ reason: String) -> Self {
        .init(sqlState: "08006", message: "pgcutover could not connect to the server: \(reason)")
    }

    static let upstreamRefusedTLS = Self(
        sqlState: "08006", message: "the server does not support SSL, but the proxy's upstream sslmode requires it",
        hint: "Enable ssl on the server, or set upstream sslmode to prefer or disable.")

    /// What the server itself says to its sessions on a fast shutdown.
    public static let adminShutdown = Self(
        sqlState: "57P01", message: "terminating connection due to administrator command")

    static let channelBindingAcrossProxy = Self(
        sqlState: "08P01",
        message: "SCRAM channel binding cannot pass through pgcutover when TLS is terminated at the proxy and the server connection uses TLS too",
        detail: "The client announced channel-binding support (gs2 flag 'y'); the server would reject that as a downgrade.",
        hint: "Connect with channel_binding=disable, or set the proxy's upstream sslmode to disable.")

    /// The server's words for its own authentication_timeout. It ends that session without a
    /// word; a proxy's client has already seen its StartupMessage answered (or not), so it is told.
    static func loginTimeout(_ limit: TimeAmount) -> Self {
        .init(
            sqlState: "08006", message: "canceling authentication due to timeout",
            detail: "Startup and authentication did not finish within pgcutover's login_timeout_seconds (\(limit.nanoseconds / 1_000_000_000) s).")
    }

    /// The server's words for its own idle_session_timeout.
    static let idleSessionTimeout = Self(
        sqlState: "57P05", message: "terminating connection due to idle-session timeout")

    static func serverResponseTimeout(_ limit: TimeAmount) -> Self {
        .init(
            sqlState: "08006",
            message: "pgcutover received nothing from the server for \(limit.nanoseconds / 1_000_000_000) s while a request was pending",
            detail: "The connection to the server stalled, or a statement ran longer than upstream.response_timeout_seconds without sending anything.",
            hint: "Check the network between pgcutover and the server, or raise upstream.response_timeout_seconds.")
    }

    /// The server's words when max_connections is reached.
    static let tooManyClients = Self(sqlState: "53300", message: "sorry, too many clients already")

    static let tlsRequired = Self(
        sqlState: "28000", message: "SSL connection is required",
        detail: "pgcutover is configured with [server.tls] mode = \"require\", and this client did not negotiate SSL.",
        hint: "Connect with sslmode=require or stronger.")
}
