import Logging
import NIOCore
import NIOSSL

/// What every session of one proxy shares: where the server is, TLS, limits, the cancel-key map,
/// the session list and the logger. Immutable, so sessions on all event loops read it freely.
public struct SessionEnvironment: Sendable {
    public var upstream: UpstreamEndpoint
    public var clientTLS: NIOSSLContext?
    /// Set in rewrite mode, and whenever statements are audited.
    public var router: StatementRouter?
    public var mode: CutoverMode
    public var blockHint: String?
    public var audit: AuditLog?
    /// Literal values go into audit records only when this is set.
    public var auditLiterals: Bool
    public var maximumMessageLength: Int
    public var cancelKeys: CancelKeyRegistry
    public var sessions: SessionTracker
    public var eventLoopGroup: any EventLoopGroup
    public var logger: Logger
    /// Takes a shadowed read's record (and the statement as the client bound it) for comparison
    /// instead of writing the record; nil when the proxy runs no shadow comparer.
    public var shadowSink: (@Sendable (AuditRecord, ShadowInput) -> Void)? = nil
}
