import NIOCore

/// The per-session limits one session runs with, taken from the configuration when it is
/// accepted: a reload changes them for new sessions only, so a session never has its rules
/// changed under it.
public struct SessionLimits: Hashable, Sendable {
    /// Startup and authentication must be done in this time (`[server] login_timeout_seconds`).
    public var login: TimeAmount?
    /// A session idle outside a transaction this long is ended (`[server] client_idle_timeout_seconds`).
    public var clientIdle: TimeAmount?
    /// A server that owes an answer and sends nothing this long ends the session
    /// (`[upstream] response_timeout_seconds`).
    public var serverResponse: TimeAmount?
    /// A client that did not negotiate TLS is refused (`[server.tls] mode = "require"`).
    public var tlsRequired: Bool

    public init(login: TimeAmount? = nil, clientIdle: TimeAmount? = nil, serverResponse: TimeAmount? = nil, tlsRequired: Bool = false) {
        self.login = login
        self.clientIdle = clientIdle
        self.serverResponse = serverResponse
        self.tlsRequired = tlsRequired
    }
}

extension ProxyConfiguration {
    public var sessionLimits: SessionLimits {
        func seconds(_ value: Int64) -> TimeAmount? { value > 0 ? .seconds(value) : nil }
        return SessionLimits(
            login: seconds(loginTimeoutSeconds), clientIdle: seconds(clientIdleTimeoutSeconds),
            serverResponse: seconds(upstreamResponseTimeoutSeconds), tlsRequired: clientTLSMode == .require)
    }
}
