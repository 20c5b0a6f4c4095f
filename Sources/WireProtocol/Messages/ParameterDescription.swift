import NIOCore

/// The parameter types of a prepared statement, in answer to Describe of a statement.
public struct ParameterDescription: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.parameterDescription.rawValue }

    public var parameterTypes: [UInt32]

    public init(parameterTypes: [UInt32]) { self.parameterTypes = parameterTypes }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "ParameterDescription")
        let count = try reader.unsignedCount16(elementSize: 4)
        var types: [UInt32] = []
        types.reserveCapacity(count)
        for _ in 0..<count { types.append(try reader.uint32()) }
        try reader.finish()
        self.parameterTypes = types
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCount16(parameterTypes.count)
        for type in parameterTypes { buffer.writeInteger(type) }
    }
}
