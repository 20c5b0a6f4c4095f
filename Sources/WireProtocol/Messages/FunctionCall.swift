import NIOCore

/// The legacy fast-path function call (still used by libpq's large-object API).
public struct FunctionCall: FrontendMessage {
    public static var messageID: UInt8? { FrontendMessageID.functionCall.rawValue }

    public var functionOID: UInt32
    /// None (all text), one (for every argument), or one per argument.
    public var argumentFormats: [FormatCode]
    /// `nil` is SQL NULL.
    public var arguments: [ByteBuffer?]
    public var resultFormat: FormatCode

    public init(
        functionOID: UInt32, argumentFormats: [FormatCode] = [], arguments: [ByteBuffer?] = [],
        resultFormat: FormatCode = .text
    ) {
        self.functionOID = functionOID
        self.argumentFormats = argumentFormats
        self.arguments = arguments
        self.resultFormat = resultFormat
    }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "FunctionCall")
        self.functionOID = try reader.uint32()

        let formatCount = try reader.unsignedCount16(elementSize: 2)
        var formats: [FormatCode] = []
        formats.reserveCapacity(formatCount)
        for _ in 0..<formatCount { formats.append(try reader.formatCode()) }
        self.argumentFormats = formats

        let argumentCount = try reader.unsignedCount16(elementSize: 4)
        var arguments: [ByteBuffer?] = []
        arguments.reserveCapacity(argumentCount)
        for _ in 0..<argumentCount { arguments.append(try reader.nullableBytes()) }
        self.arguments = arguments

        self.resultFormat = try reader.formatCode()
        try reader.finish()
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(functionOID)
        buffer.writeCount16(argumentFormats.count)
        for format in argumentFormats { buffer.writeInteger(format.rawValue) }
        buffer.writeCount16(arguments.count)
        for argument in arguments { buffer.writeNullableBytes(argument) }
        buffer.writeInteger(resultFormat.rawValue)
    }
}
