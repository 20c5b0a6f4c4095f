/// `[metrics]`: where the Prometheus text exposition is served (`GET /metrics`). Without the
/// section nothing listens and the metrics cost one no-op call each.
public struct MetricsSettings: Hashable, Sendable {
    /// Loopback by default: the metrics name tables and clients' application names.
    public static let defaultListen = HostPort(host: "127.0.0.1", port: 9187)

    public var listen: HostPort

    public init(listen: HostPort = Self.defaultListen) {
        self.listen = listen
    }

    static func read(_ metrics: inout TableReader) throws(ConfigurationError) -> MetricsSettings {
        let settings = MetricsSettings(listen: try metrics.hostPort("listen") ?? defaultListen)
        try metrics.finish()
        return settings
    }
}
