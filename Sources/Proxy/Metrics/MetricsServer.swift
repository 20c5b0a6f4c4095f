import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// Serves `GET /metrics` in the Prometheus text format: `render` produces the exposition (the
/// executable passes its Prometheus registry's). One response per connection, then close:
/// a scraper connects every few seconds, so keep-alive would buy nothing.
public final class MetricsServer: Service, Sendable {
    public let settings: MetricsSettings
    private let render: @Sendable () -> [UInt8]
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let bound = NIOLockedValueBox<SocketAddress?>(nil)

    public init(
        settings: MetricsSettings, eventLoopGroup: any EventLoopGroup, logger: Logger,
        render: @escaping @Sendable () -> [UInt8]
    ) {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.render = render
    }

    /// The address actually bound (port 0 picks a free one).
    public var localAddress: SocketAddress? { bound.withLockedValue { $0 } }

    public func run() async throws {
        let render = self.render
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(render: render))
                }
            }
            .bind(host: settings.listen.host, port: settings.listen.port)
            .get()
        bound.withLockedValue { $0 = channel.localAddress }
        logger.notice("metrics listening", metadata: ["metrics_listen": "\(channel.localAddress.map(ProxyServer.describe) ?? settings.listen.description)"])
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one HTTP request: the exposition for GET (or HEAD) /metrics, 404 or 405 otherwise.
final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let render: @Sendable () -> [UInt8]
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let status: HTTPResponseStatus
        var body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        if path != "/metrics" {
            status = .notFound
            body = Array("pgcutover serves only /metrics\n".utf8)
        } else if request.method != .GET && request.method != .HEAD {
            status = .methodNotAllowed
            body = Array("GET /metrics\n".utf8)
        } else {
            status = .ok
            body = render()
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: "close")
        if request.method == .HEAD { body = [] }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
