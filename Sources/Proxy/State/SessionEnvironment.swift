import Logging
import NIOCore
import NIOSSL

/// What every session of one proxy shares: where the server is, TLS, limits, the cancel-key map,
/// the session list and the logger. Immutable, so sessions on all event loops read it freely.
public struct SessionEnvironment: Sendable {
    public var upstream: UpstreamEndpoint
    /// TLS toward clients, reloaded with the configuration; nil: SSLRequest is answered 'N'.
    public var clientTLS: ReloadableServerContext?
    /// The rewriter, always present: a reload may put any table in any mode. Statements that
    /// name no legacy table never get further than its precheck.
    public var router: StatementRouter?
    /// The running configuration; sessions take a new generation at their next transaction start.
    public var store: ConfigurationStore
    public var audit: AuditLog?
    /// Takes the audit record of a shadow-mode read with what is needed to run it again, instead
    /// of the audit log; nil: the record is written as it is, without a shadow verdict.
    public var shadowSink: (@Sendable (AuditRecord, ShadowInput) -> Void)? = nil
    /// Literal values go into audit records only when this is set.
    public var auditLiterals: Bool
    public var maximumMessageLength: Int
    public var cancelKeys: CancelKeyRegistry
    public var sessions: SessionTracker
    public var eventLoopGroup: any EventLoopGroup
    public var logger: Logger
    /// Statement and shadow counts for the admin console, mirrored into swift-metrics.
    public var statistics: ProxyStatistics

    /// The admin console's name for `store`.
    public var configurationStore: ConfigurationStore { store }
}
