import NIOCore

/// The columns of the rows that follow (or that a statement or portal would return).
public struct RowDescription: BackendMessage {
    public static var messageID: UInt8? { BackendMessageID.rowDescription.rawValue }

    public struct Field: Hashable, Sendable {
        public var name: String
        /// The table the column comes from, or 0.
        public var tableOID: UInt32
        /// The column's attribute number in that table, or 0.
        public var columnAttributeNumber: Int16
        public var dataTypeOID: UInt32
        /// `pg_type.typlen`: negative for variable-width types.
        public var dataTypeSize: Int16
        /// `pg_attribute.atttypmod`: -1 when the type has none.
        public var typeModifier: Int32
        public var format: FormatCode

        public init(
            name: String, tableOID: UInt32 = 0, columnAttributeNumber: Int16 = 0, dataTypeOID: UInt32,
            dataTypeSize: Int16, typeModifier: Int32 = -1, format: FormatCode = .text
        ) {
            self.name = name
            self.tableOID = tableOID
            self.columnAttributeNumber = columnAttributeNumber
            self.dataTypeOID = dataTypeOID
            self.dataTypeSize = dataTypeSize
            self.typeModifier = typeModifier
            self.format = format
        }

        // A name's terminator and the six fixed-width fields.
        static let minimumSize = 1 + 4 + 2 + 4 + 2 + 4 + 2
    }

    public var fields: [Field]

    public init(fields: [Field]) { self.fields = fields }

    public init(payload: ByteBuffer) throws(ProtocolViolation) {
        var reader = PayloadReader(payload, message: "RowDescription")
        let count = try reader.unsignedCount16(elementSize: Field.minimumSize)
        var fields: [Field] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            fields.append(
                Field(
                    name: try reader.cString(),
                    tableOID: try reader.uint32(),
                    columnAttributeNumber: try reader.int16(),
                    dataTypeOID: try reader.uint32(),
                    dataTypeSize: try reader.int16(),
                    typeModifier: try reader.int32(),
                    format: try reader.knownFormatCode()))
        }
        try reader.finish()
        self.fields = fields
    }

    public func encodePayload(into buffer: inout ByteBuffer) {
        buffer.writeCount16(fields.count)
        for field in fields {
            buffer.writeCString(field.name)
            buffer.writeInteger(field.tableOID)
            buffer.writeInteger(field.columnAttributeNumber)
            buffer.writeInteger(field.dataTypeOID)
            buffer.writeInteger(field.dataTypeSize)
            buffer.writeInteger(field.typeModifier)
            buffer.writeInteger(field.format.rawValue)
        }
    }
}
