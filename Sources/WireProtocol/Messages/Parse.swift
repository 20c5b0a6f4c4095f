import NIOCore

/// Prepares a statement. The proxy's rewriter reads `query`; a rewritten Parse gets a new frame.
public struct Parse: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.parse.rawValue }

    /// The statement's name; empty for the unnamed statement.
    public var statementName: String
    public var query: String
    /// Type OIDs the client fixes for `$1`, `$2`, …; 0 leaves a type to the server. May be shorter
    /// than the number of parameters the query uses.
    public var parameterTypes: [UInt32]

    public init(statementName: String, query: String, parameterTypes: [UInt32] = []) {
        self.statementName = statementName
        self.query = query
        self.parameterTypes = parameterTypes
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Parse")
        self.statementName = try reader.cString()
        self.query = try reader.cString()
        let count = try reader.unsignedCount16(elementSize: 4)
        var types: [UInt32] = []
        types.reserveCapacity(count)
        for _ in 0..<count { types.append(try reader.uint32()) }
        try reader.finish()
        self.parameterTypes = types
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(statementName)
        buffer.writeCString(query)
        buffer.writeCount16(parameterTypes.count)
        for type in parameterTypes { buffer.writeInteger(type) }
    }
}
