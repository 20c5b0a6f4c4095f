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
public final class ProxyServer: Service, Sendable {
    public let configuration: ProxyConfiguration
    public let environment: SessionEnvironment
    /// Compares shadowed reads; present when `[cutover.shadow]` is configured or statements are
    /// audited (without credentials it records every shadowed read as skipped).
    public let shadow: ShadowComparer?
    private let logger: Logger
    private let boundAddress = NIOLockedValueBoxAddress()

    public init(configuration: ProxyConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        var clientTLS: NIOSSLContext?
        if let cert = configuration.tlsCertificatePath {
            guard let key = configuration.tlsKeyPath else {
                throw TLSContextFactory.Failure(description: "a TLS certificate needs a TLS key (tls.key / --tls-key)")
            }
            clientTLS = try TLSContextFactory.server(certificatePath: cert, keyPath: key)
        } else if configuration.tlsKeyPath != nil {
            throw TLSContextFactory.Failure(description: "a TLS key needs a TLS certificate (tls.cert / --tls-cert)")
        }
        var router: StatementRouter?
        var rewriter: Rewriter?
        if configuration.mode != .passthrough || configuration.auditLog != nil || configuration.shadow != nil {
            rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: configuration.mappingPath))
        }
        if let rewriter, configuration.mode != .passthrough || configuration.auditLog != nil {
            router = StatementRouter(rewriter: rewriter, cacheCapacity: configuration.rewriteCacheSize)
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
        let shadow = rewriter.map { rewriter in
            ShadowComparer(
                settings: configuration.shadow, rewriter: rewriter, upstream: upstream,
                upstreamRootCertificatePath: configuration.upstreamSSLRootCertificatePath, audit: audit,
                auditLiterals: configuration.auditLiterals, eventLoopGroup: eventLoopGroup, logger: logger)
        }
        self.shadow = shadow
        self.environment = SessionEnvironment(
            upstream: upstream,
            clientTLS: clientTLS,
            router: router,
            mode: configuration.mode,
            blockHint: configuration.blockHint,
            audit: audit,
            auditLiterals: configuration.auditLiterals,
            maximumMessageLength: configuration.maximumMessageLength,
            cancelKeys: CancelKeyRegistry(),
            sessions: SessionTracker(),
            eventLoopGroup: eventLoopGroup,
            logger: logger,
            shadowSink: shadow.map { shadow -> @Sendable (AuditRecord, ShadowInput) -> Void in
                { record, input in shadow.submit(record: record, input: input, database: record.database) }
            })
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
                    let info = SessionInfo(
                        id: environment.sessions.makeID(),
                        clientAddress: channel.remoteAddress.map(Self.describe) ?? "unknown")
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
        await withGracefulShutdownHandler {
            try? await serverChannel.closeFuture.get()
        } onGracefulShutdown: {
            serverChannel.close(promise: nil)
        }
        reopening?.cancel()
        await drainSessions()
        shadow?.shutdown()
        await comparing?.value
        await environment.audit?.shutdown()
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
