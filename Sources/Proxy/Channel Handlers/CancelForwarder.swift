import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import WireProtocol

/// Delivers one CancelRequest to the server on a connection of its own, secured like the
/// session's connections (hosted servers route by SNI, so a plaintext cancel might go nowhere).
enum CancelForwarder {
    /// Completes when the server has closed the cancel connection, i.e. has acted on the request
    /// (or when it cannot be reached): the client's own cancel connection is held open until then,
    /// as the server holds it, so a query the client sends next is not the one cancelled.
    static func send(
        _ key: BackendKeyData, to endpoint: UpstreamEndpoint, on eventLoop: any EventLoop, logger: Logger
    ) -> EventLoopFuture<Void> {
        let request = FrameEncoder.frame(CancelRequest(processID: key.processID, secretKey: key.secretKey))
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(endpoint.connectTimeoutSeconds))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        CancelChannelHandler(request: request, endpoint: endpoint, logger: logger))
                }
            }
            .connect(host: endpoint.address.host, port: endpoint.address.port)
            .flatMap { channel in
                // The server answers nothing and closes; a server that never closes must not
                // hold the client forever.
                let deadline = channel.eventLoop.scheduleTask(in: .seconds(endpoint.connectTimeoutSeconds)) {
                    channel.close(promise: nil)
                }
                channel.closeFuture.whenComplete { _ in deadline.cancel() }
                return channel.closeFuture
            }
            .flatMapErrorThrowing { error in
                logger.warning("cannot deliver cancel request to the server", metadata: ["error": "\(error)"])
            }
            .hop(to: eventLoop)
    }
}

/// Negotiates TLS when the endpoint asks for it, sends the request, and lets the server close.
private final class CancelChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingSSLResponse
        case awaitingHandshake
        case sent
    }

    private let request: ByteBuffer
    private let endpoint: UpstreamEndpoint
    private let logger: Logger
    private var state = State.sent

    init(request: ByteBuffer, endpoint: UpstreamEndpoint, logger: Logger) {
        self.request = request
        self.endpoint = endpoint
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        if endpoint.sslMode.asksForTLS, endpoint.tlsContext != nil {
            state = .awaitingSSLResponse
            context.writeAndFlush(wrapOutboundOut(FrameEncoder.frame(SSLRequest())), promise: nil)
        } else {
            sendRequest(context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .awaitingSSLResponse = state else { return }
        var buffer = unwrapInboundIn(data)
        switch buffer.readInteger(as: UInt8.self) {
        case UInt8(ascii: "S")?:
            state = .awaitingHandshake
            do {
                let tls = try NIOSSLClientHandler(context: endpoint.tlsContext!, serverHostname: endpoint.sniName)
                try context.pipeline.syncOperations.addHandler(tls, position: .first)
            } catch {
                logger.warning("cannot start TLS for a cancel request", metadata: ["error": "\(error)"])
                context.close(promise: nil)
            }
        case UInt8(ascii: "N")? where !endpoint.sslMode.requiresTLS:
            sendRequest(context: context)
        default:
            logger.warning("the server refused TLS for a cancel request")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent, case .awaitingHandshake = state {
            sendRequest(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func sendRequest(context: ChannelHandlerContext) {
        state = .sent
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }
}
