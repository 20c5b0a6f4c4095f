import ArgumentParser
import Logging
import Metrics
import NIOPosix
import Prometheus
import Proxy
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the proxy: clients connect to it exactly as to PostgreSQL."
    )

    @Option(name: .long, help: "A TOML config file (see docs/configuration.md). Flags override it.")
    var config: String?

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:6432).")
    var listen: String?

    @Option(name: .long, help: "The PostgreSQL server, HOST:PORT (default 127.0.0.1:5432).")
    var upstream: String?

    @Option(name: .customLong("upstream-sslmode"), help: "TLS to the server: disable, prefer, require, verify-full (default disable).")
    var upstreamSSLMode: String?

    @Option(name: .customLong("upstream-sslrootcert"), help: "CA certificates (PEM) that verify-full trusts.")
    var upstreamSSLRootCert: String?

    @Option(name: .customLong("upstream-sslservername"), help: "The server name for SNI and verify-full (default: the upstream host).")
    var upstreamSSLServerName: String?

    @Option(name: .customLong("tls-cert"), help: "Certificate (PEM) for TLS toward clients.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "Private key (PEM) for TLS toward clients.")
    var tlsKey: String?

    @Option(name: .long, help: "Event-loop threads (default: one per core).")
    var threads: Int?

    @Option(name: .customLong("shutdown-timeout"), help: "Seconds a shutdown waits for sessions to finish (default 30).")
    var shutdownTimeout: Int64?

    @Option(name: .long, help: "The mode of both legacy tables: passthrough, dual-write, shadow, rewrite or block (default passthrough); overrides the file, also across reloads; rules still apply.")
    var mode: String?

    @Option(name: .long, help: "The mapping of legacy tables onto the consolidated table (default config/mapping.toml).")
    var mapping: String?

    @Option(name: .customLong("audit-log"), help: "Write an audit record for every statement on a legacy table to this file (\"-\": standard output).")
    var auditLog: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    func run() async throws {
        let configuration = try loadConfiguration()

        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "pgcutover")
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: configuration.threads)
        // Before anything makes a metric: swift-metrics binds each one to the factory of its time.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metrics = configuration.metrics {
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // Statements through a proxy on loopback take well under the default 5 ms first bucket.
            factory.durationHistogramBuckets["pgcutover_statement_duration_seconds"] = [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            services.append(.init(service: MetricsServer(
                settings: metrics, eventLoopGroup: eventLoopGroup, logger: logger, render: { registry.emitToBuffer() })))
        }
        let command = self
        let store = ConfigurationStore(initial: configuration, logger: logger) { () throws(ConfigurationError) in
            // The command line keeps overriding the file (--mode, --audit-log…) after a reload.
            let fresh: ProxyConfiguration
            do {
                fresh = try command.loadConfiguration()
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError(file: "command line", problem: "\(error)")
            }
            let changed = fresh.restartOnlyChanges(comparedWith: configuration)
            if !changed.isEmpty {
                logger.warning(
                    "these settings change only with a restart; their running values stay",
                    metadata: ["settings": "\(changed.joined(separator: ", "))"])
            }
            return fresh.keepingRestartOnlySettings(of: configuration)
        }
        let server = try ProxyServer(store: store, eventLoopGroup: eventLoopGroup, logger: logger)
        // Shutdown runs in reverse order: the proxy drains first, the metrics stay up meanwhile.
        services.append(.init(service: server))
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        try await eventLoopGroup.shutdownGracefully()
    }

    /// The file (if any), then the command line's flags over it.
    private func loadConfiguration() throws -> ProxyConfiguration {
        var configuration = ProxyConfiguration()
        if let config {
            configuration = try ConfigurationFile.load(path: config)
        }
        try apply(to: &configuration)
        // Checked here, after the flags, since --tls-cert may supply what the file lacks; and on
        // every reload, so a file cannot switch to require with nothing to encrypt with.
        if configuration.clientTLSMode == .require && configuration.tlsCertificatePath == nil {
            throw ConfigurationError(
                file: config ?? "command line", key: "server.tls.mode",
                problem: "\"require\" needs a certificate and key (server.tls.cert and key, or --tls-cert and --tls-key)")
        }
        return configuration
    }

    private func apply(to configuration: inout ProxyConfiguration) throws {
        if let listen {
            guard let value = HostPort(listen) else { throw ValidationError("--listen must be HOST:PORT, not \(listen)") }
            configuration.listen = value
        }
        if let upstream {
            guard let value = HostPort(upstream) else { throw ValidationError("--upstream must be HOST:PORT, not \(upstream)") }
            configuration.upstream = value
        }
        if let upstreamSSLMode {
            guard let mode = UpstreamSSLMode(rawValue: upstreamSSLMode) else {
                throw ValidationError("--upstream-sslmode must be disable, prefer, require or verify-full")
            }
            configuration.upstreamSSLMode = mode
        }
        if let upstreamSSLRootCert { configuration.upstreamSSLRootCertificatePath = upstreamSSLRootCert }
        if let upstreamSSLServerName { configuration.upstreamSSLServerName = upstreamSSLServerName }
        if let tlsCert { configuration.tlsCertificatePath = tlsCert }
        if let tlsKey { configuration.tlsKeyPath = tlsKey }
        if let shutdownTimeout { configuration.shutdownTimeoutSeconds = shutdownTimeout }
        if let threads {
            guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
            configuration.threads = threads
        }
        if let mode {
            guard let value = CutoverMode(rawValue: mode) else {
                throw ValidationError("--mode must be one of \(CutoverMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.mode = value
        }
        if let mapping { configuration.mappingPath = mapping }
        if let auditLog { configuration.auditLog = auditLog }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level \(logLevel)") }
            configuration.logLevel = level
        }
    }
}

