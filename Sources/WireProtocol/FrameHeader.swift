/// What the start of a complete frame says about it, read without taking the frame.
public struct FrameHeader: Hashable, Sendable {
    /// The type byte; `nil` for startup-phase packets, which have none.
    public var id: UInt8?
    /// The whole frame's length in bytes, type byte and length field included.
    public var length: Int

    public init(id: UInt8?, length: Int) {
        self.id = id
        self.length = length
    }
}
