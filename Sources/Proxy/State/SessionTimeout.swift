import NIOCore

/// The timeout that applies to a session in its present state, as its state machine sees it.
/// The handler keeps one timer for it; when the timer fires it asks the machine again
/// (`timeoutExpired`), so a timer that outlived the state it was set for does nothing.
public struct SessionTimeout: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// Startup and authentication are not done; counted from the connection's acceptance.
        case login
        /// Idle outside a transaction; counted from the last byte either way.
        case clientIdle
        /// The server owes the client an answer; counted from the last byte either way.
        case serverResponse
    }

    public var kind: Kind
    public var after: TimeAmount

    public init(kind: Kind, after: TimeAmount) {
        self.kind = kind
        self.after = after
    }

    /// Whether the clock restarts with each byte on either connection.
    public var restartsOnActivity: Bool { kind != .login }
}
