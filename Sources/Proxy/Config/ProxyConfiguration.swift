import Logging
import NIOCore
import WireProtocol

/// Everything `pgcutover serve` runs with. The defaults are the safe pass-through proxy of
/// `pgcutover serve` with no file and no flags.
public struct ProxyConfiguration: Hashable, Sendable {
    public var listen = HostPort(host: "127.0.0.1", port: 6432)
    /// Event-loop threads; each session lives on one. One per core by default.
    public var threads = System.coreCount
    /// Seconds a shutdown waits for sessions to reach an idle moment before closing them.
    public var shutdownTimeoutSeconds: Int64 = 30
    /// The largest message accepted from either side (the server's own limit by default).
    public var maximumMessageLength = FrameDecoder.defaultMaximumMessageLength
    /// TLS toward clients; without it SSLRequest is answered 'N'.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// `[server.tls] mode`: with `require`, a client that does not negotiate TLS is refused.
    public var clientTLSMode = ClientTLSMode.allow
    /// Seconds a client has to finish startup and authentication; 0: no limit.
    public var loginTimeoutSeconds: Int64 = 60
    /// Seconds a session may sit idle outside a transaction; 0 (the default): no limit.
    public var clientIdleTimeoutSeconds: Int64 = 0
    /// Client connections served at once, the admin console's aside; 0: no limit. Each session
    /// holds two sockets, so the open-file limit must allow twice this and some.
    public var maxClientConnections = 5000
    /// Keepalive on client sockets; nil: off.
    public var clientKeepalive: TCPKeepalive? = TCPKeepalive()

    public var upstream = HostPort(host: "127.0.0.1", port: 5432)
    /// Plaintext by default: authentication is relayed end to end, and SCRAM channel binding
    /// cannot survive TLS that ends at the proxy (see docs/configuration.md).
    public var upstreamSSLMode = UpstreamSSLMode.disable
    public var upstreamSSLRootCertificatePath: String?
    public var upstreamSSLServerName: String?
    public var upstreamConnectTimeoutSeconds: Int64 = 10
    /// Seconds the server may stay silent while it owes a client an answer; 0 (the default): no limit.
    public var upstreamResponseTimeoutSeconds: Int64 = 0
    /// Keepalive on server sockets; nil: off.
    public var upstreamKeepalive: TCPKeepalive? = TCPKeepalive()
    /// TCP_USER_TIMEOUT on server sockets: unacknowledged data this many milliseconds drops the
    /// connection; 0 (the default): the kernel's retransmission limits.
    public var upstreamTCPUserTimeoutMilliseconds = 0

    public var logLevel = Logger.Level.info

    /// The mode of every legacy table for every client: defaults, per-table sections, rules.
    public var cutover = CutoverPolicy()
    /// The default mode of every legacy table (`--mode`): setting it clears per-table defaults,
    /// so the command line decides for both tables; rules still apply.
    public var mode: CutoverMode {
        get { cutover.defaultTable.mode }
        set {
            cutover.defaultTable.mode = newValue
            for name in cutover.tables.keys { cutover.tables[name]?.mode = newValue }
        }
    }
    /// The fold of each legacy table into the consolidated one (config/mapping.toml).
    public var mappingPath = "config/mapping.toml"
    /// The hint of block mode's error; a default that points at the runbook otherwise.
    public var blockHint: String? {
        get { cutover.blockHint }
        set { cutover.blockHint = newValue }
    }
    /// `[cutover.shadow]`: the shadow comparer's role and limits; without it shadow reads are
    /// audited as skipped.
    public var shadow: ShadowSettings?
    /// Rewritten statements kept, by text, for reuse across sessions.
    public var rewriteCacheSize = 4096
    /// `TRUNCATE legacy_table` in rewrite mode empties the fold instead of being refused
    /// (`RewriterOptions.allowTruncate`).
    public var allowTruncate = false

    /// Where audit records go: a file path, or "-" for standard output; nil for no audit.
    public var auditLog: String?
    public var auditLiterals = false
    /// Record statements on other tables too (`audit.all_statements`), not only legacy ones.
    public var auditAllStatements = false
    public var auditQueueCapacity = 4096

    /// `[admin]`: the console on database `pgcutover`; nil, and no database name is special.
    public var admin: AdminSettings?
    /// `[metrics]`: the Prometheus endpoint; nil, and nothing listens.
    public var metrics: MetricsSettings?

    public init() {}
}
