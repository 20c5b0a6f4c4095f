import NIOCore
import NIOSSL
import NIOTLS
import WireProtocol

/// Sits on the server connection and hands everything to the session that owns it: both
/// connections of a session live on one event loop, so these calls need no hop.
final class UpstreamChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: ClientSessionHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false
    /// The channel's writability as its last `channelWritabilityChanged` said, so the client
    /// side's `read` asks a stored flag rather than the channel (two retains and an atomic load).
    private(set) var isWritable = true

    init(session: ClientSessionHandler) {
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.session = nil
        self.isWritable = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session?.serverBytesReceived(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session?.serverReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.upstreamInactive()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        session?.upstreamWritabilityChanged(isWritable: isWritable)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            session?.upstreamTLSEstablished()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session?.upstreamFailed(error)
        context.close(promise: nil)
    }

    /// Reads from the server only while the client can take more, so a slow client holds the
    /// server back instead of filling the proxy's memory.
    func read(context: ChannelHandlerContext) {
        if session?.clientIsWritable ?? true {
            context.read()
        } else {
            readPending = true
        }
    }

    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    func addTLS(context sslContext: NIOSSLContext, serverHostname: String?) throws {
        guard let context else { return }
        let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
        try context.pipeline.syncOperations.addHandler(handler, position: .first)
    }

    /// Sends Terminate when the session was established, so the server logs a clean exit, then closes.
    func close(terminate: Bool) {
        guard let context else { return }
        if terminate {
            var buffer = context.channel.allocator.buffer(capacity: 5)
            Terminate().encodeFrame(into: &buffer)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
