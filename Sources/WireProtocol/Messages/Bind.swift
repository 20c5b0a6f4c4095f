import NIOCore

/// Binds parameter values to a prepared statement, creating a portal. Values stay slices of the
/// received frame; the codec never looks inside them.
public struct Bind: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.bind.rawValue }

    /// The portal to create; empty for the unnamed portal.
    public var portalName: String
    /// The prepared statement; empty for the unnamed statement.
    public var statementName: String
    /// None (all text), one (for every parameter), or one per parameter; see `[FormatCode].format(at:)`.
    /// A count that fits none of these is the server's to refuse, so it is kept as sent.
    public var parameterFormats: [FormatCode]
    /// `nil` is SQL NULL.
    public var parameters: [ByteBuffer?]
    /// The formats of the result columns, under the same shorthand as `parameterFormats`.
    public var resultFormats: [FormatCode]

    public init(
        portalName: String, statementName: String, parameterFormats: [FormatCode] = [],
        parameters: [ByteBuffer?] = [], resultFormats: [FormatCode] = []
    ) {
        self.portalName = portalName
        self.statementName = statementName
        self.parameterFormats = parameterFormats
        self.parameters = parameters
        self.resultFormats = resultFormats
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "Bind")
        self.portalName = try reader.cString()
        self.statementName = try reader.cString()

        let formatCount = try reader.unsignedCount16(elementSize: 2)
        var parameterFormats: [FormatCode] = []
        parameterFormats.reserveCapacity(formatCount)
        for _ in 0..<formatCount { parameterFormats.append(try reader.formatCode()) }
        self.parameterFormats = parameterFormats

        let parameterCount = try reader.unsignedCount16(elementSize: 4)
        var parameters: [ByteBuffer?] = []
        parameters.reserveCapacity(parameterCount)
        for _ in 0..<parameterCount { parameters.append(try reader.nullableBytes()) }
        self.parameters = parameters

        let resultCount = try reader.unsignedCount16(elementSize: 2)
        var resultFormats: [FormatCode] = []
        resultFormats.reserveCapacity(resultCount)
        for _ in 0..<resultCount { resultFormats.append(try reader.formatCode()) }
        self.resultFormats = resultFormats
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCString(portalName)
        buffer.writeCString(statementName)
        buffer.writeCount16(parameterFormats.count)
        for format in parameterFormats { buffer.writeInteger(format.rawValue) }
        buffer.writeCount16(parameters.count)
        for parameter in parameters { buffer.writeNullableBytes(parameter) }
        buffer.writeCount16(resultFormats.count)
        for format in resultFormats { buffer.writeInteger(format.rawValue) }
    }
}
