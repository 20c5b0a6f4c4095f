import NIOCore

/// The fields of an ErrorResponse or NoticeResponse, in the order they came. Fields this code
/// does not name are kept, so a relayed error reaches the client whole.
public struct ErrorFields: Hashable, Sendable {
    /// A field's one-byte code.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let localizedSeverity = Self(rawValue: 83)  // ascii: S
        public static let severity = Self(rawValue: 86)           // ascii: V
        public static let sqlState = Self(rawValue: 67)           // ascii: C
        public static let message = Self(rawValue: 77)            // ascii: M
        public static let detail = Self(rawValue: 68)             // ascii: D
        public static let hint = Self(rawValue: 72)               // ascii: H
        public static let position = Self(rawValue: 80)           // ascii: P
        public static let internalPosition = Self(rawValue: 112)  // ascii: p
        public static let internalQuery = Self(rawValue: 113)     // ascii: q
        public static let whereContext = Self(rawValue: 87)       // ascii: W
        public static let schemaName = Self(rawValue: 115)        // ascii: s
        public static let tableName = Self(rawValue: 116)         // ascii: t
        public static let columnName = Self(rawValue: 99)         // ascii: c
        public static let dataTypeName = Self(rawValue: 100)      // ascii: d
        public static let constraintName = Self(rawValue: 110)    // ascii: n
        public static let file = Self(rawValue: 70)               // ascii: F
        public static let line = Self(rawValue: 76)               // ascii: L
        public static let routine = Self(rawValue: 82)            // ascii: R
    }

    public var fields: [(code: Code, value: String)]

    public init(_ fields: [(code: Code, value: String)]) {
        self.fields = fields
    }

    /// An error as the server would word it: severity twice (localized and not), SQLSTATE and message.
    public static func error(
        sqlState: String, message: String, detail: String? = nil, hint: String? = nil, severity: String = "ERROR"
    ) -> Self {
        var fields: [(code: Code, value: String)] = [
            (.localizedSeverity, severity), (.severity, severity), (.sqlState, sqlState), (.message, message),
        ]
        if let detail { fields.append((.detail, detail)) }
        if let hint { fields.append((.hint, hint)) }
        return Self(fields)
    }

    public subscript(code: Code) -> String? {
        fields.first(where: { $0.code == code })?.value
    }

    public var sqlState: String? { self[.sqlState] }
    public var message: String? { self[.message] }

    init(reader: inout PayloadReader) throws(ProtocolViolation) {
        var fields: [(code: Code, value: String)] = []
        while true {
            let code = try reader.int8()
            if code == 0 { break }
            fields.append((Code(rawValue: code), try reader.cString()))
        }
        try reader.finish()
        self.fields = fields
    }

    func encode(into buffer: inout ByteBuffer) {
        for (code, value) in fields {
            buffer.writeInteger(code.rawValue)
            buffer.writeCString(value)
        }
        buffer.writeInteger(UInt8(0))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.fields.map(\.code) == rhs.fields.map(\.code) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        for (code, value) in fields {
            hasher.combine(code)
            hasher.combine(value)
        }
    }
}
