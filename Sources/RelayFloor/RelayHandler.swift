import NIOCore

/// Writes whatever its channel reads to the peer channel and flushes once per read burst, as
/// pgcutover's sessions do, without looking at a byte.
final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var peer: (any Channel)?
    /// What the client sent before the server connection was up.
    private var early: [ByteBuffer] = []

    init(peer: (any Channel)? = nil) {
        self.peer = peer
    }

    func attach(_ peer: any Channel) {
        self.peer = peer
        for buffer in early { peer.write(buffer, promise: nil) }
        early = []
        peer.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let peer {
            peer.write(buffer, promise: nil)
        } else {
            early.append(buffer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        peer?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
