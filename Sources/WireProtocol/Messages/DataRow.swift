import NIOCore

/// One result row. Columns stay slices of the received frame.
public struct DataRow: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.dataRow.rawValue }

    /// `nil` is SQL NULL.
    public var columns: [ByteBuffer?]

    public init(columns: [ByteBuffer?]) { self.columns = columns }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "DataRow")
        let count = try reader.unsignedCount16(elementSize: 4)
        var columns: [ByteBuffer?] = []
        columns.reserveCapacity(count)
        for _ in 0..<count { columns.append(try reader.nullableBytes()) }
        try reader.finish()
        self.columns = columns
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCount16(columns.count)
        for column in columns { buffer.writeNullableBytes(column) }
    }
}
