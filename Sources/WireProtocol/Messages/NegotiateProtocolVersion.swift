import NIOCore

/// The server's answer to a startup packet asking for a newer minor version than it speaks, or
/// for `_pq_.` options it does not know: the session goes on at `newestMinorVersion`.
public struct NegotiateProtocolVersion: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.negotiateProtocolVersion.rawValue }

    public var newestMinorVersion: Int32
    public var unrecognizedOptions: [String]

    public init(newestMinorVersion: Int32, unrecognizedOptions: [String] = []) {
        self.newestMinorVersion = newestMinorVersion
        self.unrecognizedOptions = unrecognizedOptions
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "NegotiateProtocolVersion")
        self.newestMinorVersion = try reader.int32()
        // Each option is at least its terminator.
        let count = try reader.count32(elementSize: 1)
        var options: [String] = []
        options.reserveCapacity(count)
        for _ in 0..<count { options.append(try reader.cString()) }
        try reader.finish()
        self.unrecognizedOptions = options
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(newestMinorVersion)
        buffer.writeInteger(Int32(unrecognizedOptions.count))
        for option in unrecognizedOptions { buffer.writeCString(option) }
    }
}
