import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Rewriter
import ServiceLifecycle
import UnixSignals

/// The listening proxy, run as a Service: on graceful shutdown (SIGTERM, SIGINT) it stops
/// accepting, lets every session reach an idle moment, and closes what is left at the deadline.
/// SIGHUP reloads the configuration (`reload`).
public final class ProxyServer: Service, Sendable {
    /// The configuration the proxy started with: what cannot change without a restart.
    public let configuration: ProxyConfiguration
    public let environment: SessionEnvironment
    public var store: ConfigurationStore { environment.store }
    /// Compares shadowed reads; present when `[cutover.shadow]` is configured or statements are
    /// audited (without credentials it records every shadowed read as skipped).
    public let shadow: ShadowComparer?
    private let logger: Logger
    private let boundAddress = NIOLockedValueBoxAddress()

    /// A proxy whose configuration never changes (a reload reads the same values again).
    public convenience init(configuration: ProxyConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        try self.init(store: ConfigurationStore(fixed: configuration), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    public init(store: ConfigurationStore, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        let configuration = store.current.configuration
        self.configuration = configuration
        self.logger = logger
        var clientTLS: ReloadableServerContext?
        if let cert = configuration.tlsCertificatePath {
            guard let key = configuration.tlsKeyPath else {
                throw TLSContextFactory.Failure(description: "a TLS certificate needs a TLS key (tls.key / --tls-key)")
            }
            let context = try ReloadableServerContext(certificatePath: cert, keyPath: key)
            store.onReload { _ in context.reload(logger: logger) }
            clientTLS = context
        } else if configuration.tlsKeyPath != nil {
            throw TLSContextFactory.Failure(description: "a TLS key needs a TLS certificate (tls.cert / --tls-cert)")
        } else if configuration.clientTLSMode == .require {
            throw TLSContextFactory.Failure(description: "[server.tls] mode = \"require\" needs a TLS certificate and key (tls.cert, tls.key)")
        }
        // Built whenever the mapping can be read, since a reload may move any table out of
        // passthrough. A pure pass-through proxy started without its mapping still relays, and
        // says that a reload cannot change that.
        var router: StatementRouter?
        do {
            let mapping = try Rewriter.loadMapping(path: configuration.mappingPath)
            let options = RewriterOptions(allowTruncate: configuration.allowTruncate)
            router = StatementRouter(
                rewriter: Rewriter(mapping: mapping, options: options), cacheCapacity: configuration.rewriteCacheSize)
        } catch {
            guard configuration.cutover.isPassthroughEverywhere && configuration.auditLog == nil else { throw error }
            logger.warning(
                "no mapping: every statement is relayed as it is, and a reload cannot change that",
                metadata: ["mapping": "\(configuration.mappingPath)", "error": "\(error)"])
        }
        let upstreamTLS = try TLSContextFactory.upstream(
            mode: configuration.upstreamSSLMode, rootCertificatePath: configuration.upstreamSSLRootCertificatePath)
        let upstream = UpstreamEndpoint(
            address: configuration.upstream, sslMode: configuration.upstreamSSLMode, tlsContext: upstreamTLS,
            serverName: configuration.upstreamSSLServerName,
            connectTimeoutSeconds: configuration.upstreamConnectTimeoutSeconds)
        let audit = try configuration.auditLog.map {
            AuditLog(sink: try AuditDestination(argument: $0).makeSink(), capacity: configuration.auditQueueCapacity, logger: logger)
        }
        let statistics = ProxyStatistics()
        let shadow = router.map { router in
            ShadowComparer(
                settings: configuration.shadow, rewriter: router.rewriter, upstream: upstream,
                upstreamRootCertificatePath: configuration.upstreamSSLRootCertificatePath, audit: audit,
                auditLiterals: configuration.auditLiterals, eventLoopGroup: eventLoopGroup, logger: logger,
                countVerdict: { statistics.shadowCompared(verdict: $0) })
        }
        self.shadow = shadow
        var environment = SessionEnvironment(
            upstream: upstream,
            clientTLS: clientTLS,
            router: router,
            store: store,
            audit: audit,
            auditLiterals: configuration.auditLiterals,
            maximumMessageLength: configuration.maximumMessageLength,
            cancelKeys: CancelKeyRegistry(),
            sessions: SessionTracker(),
            eventLoopGroup: eventLoopGroup,
            logger: logger,
            statistics: statistics)
        environment.shadowSink = shadow.map { shadow -> @Sendable (AuditRecord, ShadowInput) -> Void in
            { record, input in shadow.submit(record: record, input: input, database: record.database) }
        }
        self.environment = environment
    }

    /// The address actually bound (port 0 in the configuration picks a free one).
    public var localAddress: SocketAddress? { boundAddress.value }

    public func run() async throws {
        let environment = self.environment
        let serverChannel = try await ServerBootstrap(group: environment.eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    var info = SessionInfo(
                        id: environment.sessions.makeID(),
                        clientAddress: channel.remoteAddress.map(Self.describe) ?? "unknown")
                    info.clientIP = channel.remoteAddress?.ipAddress.flatMap(IPAddress.init)
                    try SocketTuning.apply(keepalive: environment.store.current.configuration.clientKeepalive, to: channel)
                    try channel.pipeline.syncOperations.addHandler(
                        ClientSessionHandler(environment: environment, info: info))
                }
            }
            .bind(host: configuration.listen.host, port: configuration.listen.port)
            .get()
        boundAddress.value = serverChannel.localAddress
        // Stopped only after the sessions, so their last shadowed reads are still compared;
        // detached, so the graceful shutdown that stops this server does not reach it first.
        let comparing = shadow.map { shadow in Task.detached { await shadow.run() } }
        logger.notice(
            "pgcutover listening",
            metadata: [
                "listen": "\(serverChannel.localAddress.map(Self.describe) ?? configuration.listen.description)",
                "upstream": "\(configuration.upstream)", "upstream_sslmode": "\(configuration.upstreamSSLMode.rawValue)",
                "tls": "\(environment.clientTLS != nil)", "mode": "\(configuration.mode.rawValue)",
            ])

        // logrotate renames the audit file and sends SIGUSR1: the next records go to a new file.
        let reopening = environment.audit.map { audit in
            Task {
                for await _ in await UnixSignalsSequence(trapping: .sigusr1) {
                    audit.reopen()
                }
            }
        }
        let reloading = Task {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                self.reload()
            }
        }
        await withGracefulShutdownHandler {
            try? await serverChannel.closeFuture.get()
        } onGracefulShutdown: {
            serverChannel.close(promise: nil)
        }
        reopening?.cancel()
        reloading.cancel()
        await drainSessions()
        shadow?.shutdown()
        await comparing?.value
        await environment.audit?.shutdown()
    }

    /// Reads the configuration again (SIGHUP, the admin console). Every session takes the new one
    /// at its next transaction start; on error the running configuration stays and the error
    /// names the file, line and key. Restart-only settings keep their running values (the
    /// store's loader sees to that) and a warning names them. The store logs what came of it.
    @discardableResult
    public func reload() -> Result<ConfigurationStore.Snapshot, ConfigurationError> {
        store.reload()
    }

    private func drainSessions() async {
        let sessions = environment.sessions
        guard sessions.count > 0 else { return }
        logger.notice("draining sessions", metadata: ["sessions": "\(sessions.count)", "timeout_s": "\(configuration.shutdownTimeoutSeconds)"])
        sessions.drainAll()
        let deadline = ContinuousClock.now + .seconds(configuration.shutdownTimeoutSeconds)
        while sessions.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if sessions.count > 0 {
            logger.warning("shutdown timeout reached, closing sessions", metadata: ["sessions": "\(sessions.count)"])
            sessions.closeAll()
            let grace = ContinuousClock.now + .seconds(2)
            while sessions.count > 0 && ContinuousClock.now < grace {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v4, .v6:
            return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .unixDomainSocket:
            return address.pathname ?? "unix"
        }
    }
}

/// The bound address, written once by `run` and read by tests and the command line.
private final class NIOLockedValueBoxAddress: Sendable {
    private let box = NIOLockedValueBox<SocketAddress?>(nil)
    var value: SocketAddress? {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}
