import NIOCore

/// The layout CopyInResponse, CopyOutResponse and CopyBothResponse share: an overall format (an
/// Int8, unlike every other format code) and one format per column.
public protocol CopyResponse: BackendMessage {
    /// Binary only when every column is binary.
    var overallFormat: FormatCode { get }
    var columnFormats: [FormatCode] { get }
    init(overallFormat: FormatCode, columnFormats: [FormatCode])
}

extension CopyResponse {
    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: String(describing: Self.self))
        let overall = try reader.int8()
        guard overall <= 1 else {
            throw ProtocolViolation(.invalidValue, "\(reader.message): unknown overall format \(overall)")
        }
        let count = try reader.unsignedCount16(elementSize: 2)
        var formats: [FormatCode] = []
        formats.reserveCapacity(count)
        for _ in 0..<count { formats.append(try reader.knownFormatCode()) }
        try reader.finish()
        self.init(overallFormat: FormatCode(rawValue: Int16(overall)), columnFormats: formats)
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(truncatingIfNeeded: overallFormat.rawValue))
        buffer.writeCount16(columnFormats.count)
        for format in columnFormats { buffer.writeInteger(format.rawValue) }
    }
}
