import NIOCore
import WireProtocol

/// Lets NIO's `ByteToMessageDecoderVerifier` drive `FrameDecoder`: it drip-feeds bytes, joins and
/// splits inputs, and checks that nothing is produced early, twice, or lost.
struct FrameToMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    var decoder: FrameDecoder

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try decoder.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }
}
