/// TCP keepalive probes on a socket: a peer that vanished without a FIN or RST (a powered-off
/// host, a dropped NAT entry) is noticed after `idleSeconds + intervalSeconds * count` instead of
/// never, and the session's resources come back.
public struct TCPKeepalive: Hashable, Sendable {
    /// Seconds without traffic before the first probe (TCP_KEEPIDLE).
    public var idleSeconds: Int
    /// Seconds between unanswered probes (TCP_KEEPINTVL).
    public var intervalSeconds: Int
    /// Unanswered probes before the connection is dropped (TCP_KEEPCNT).
    public var count: Int

    public init(idleSeconds: Int = 60, intervalSeconds: Int = 10, count: Int = 6) {
        self.idleSeconds = idleSeconds
        self.intervalSeconds = intervalSeconds
        self.count = count
    }

    /// Reads `tcp_keepalive` (on or off) and its three parameters from `[server]` or `[upstream]`;
    /// nil when keepalive is off.
    static func read(_ table: inout TableReader, default current: TCPKeepalive?) throws(ConfigurationError) -> TCPKeepalive? {
        var keepalive = current ?? TCPKeepalive()
        let enabled = try table.bool("tcp_keepalive") ?? (current != nil)
        if let value = try table.int("tcp_keepalive_idle_seconds", range: 1...32_767) { keepalive.idleSeconds = value }
        if let value = try table.int("tcp_keepalive_interval_seconds", range: 1...32_767) { keepalive.intervalSeconds = value }
        if let value = try table.int("tcp_keepalive_count", range: 1...127) { keepalive.count = value }
        return enabled ? keepalive : nil
    }
}
