/// A frame known to be of type `M`, not yet decoded: a proxy that relays most messages pays for
/// decoding only those it looks into.
public struct LazyMessage<M: WireMessage>: Hashable, Sendable {
    public let frame: Frame

    public init(frame: Frame) { self.frame = frame }

    public func decode() throws(ProtocolViolation) -> M {
        try M(frame: frame)
    }
}
