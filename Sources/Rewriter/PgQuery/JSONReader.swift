/// A strict reader for the JSON libpg_query writes (UTF-8, no surrogate tricks needed beyond \u).
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    private var depth = 0

    struct Malformed: Error {
        /// The text nests deeper than `maximumDepth`: well-formed, but not followed.
        var tooDeep = false
    }

    /// The deepest nesting read. Everything that walks the tree afterwards recurses once or more
    /// per level, on a thread's stack; without a bound, a short query of a few thousand nested
    /// operators (`1 + + + … 1`) overflows it and takes the whole proxy down. Real statements
    /// stay far below: a page of SQL with subqueries in subqueries nests some dozens of levels.
    static let maximumDepth = 500

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) -> JSON {
        var reader = JSONReader(bytes: bytes)
        return try reader.value()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private mutating func skipSpace() {
        while offset < bytes.count, bytes[offset] == 0x20 || bytes[offset] == 0x0A || bytes[offset] == 0x0D || bytes[offset] == 0x09 {
            offset += 1
        }
    }

    private mutating func value() throws(Malformed) -> JSON {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Malformed(tooDeep: true) }
        return try unboundedValue()
    }

    private mutating func unboundedValue() throws(Malformed) -> JSON {
        skipSpace()
        guard offset < bytes.count else { throw Malformed() }
        switch bytes[offset] {
        case UInt8(ascii: "{"):
            offset += 1
            var object = JSONObject()
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                offset += 1
                return .object(object)
            }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                object.members.append((key, try value()))
                skipSpace()
                guard offset < bytes.count else { throw Malformed() }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return .object(object)
            }
        case UInt8(ascii: "["):
            offset += 1
            var array: [JSON] = []
            skipSpace()
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                return .array(array)
            }
            while true {
                array.append(try value())
                skipSpace()
                guard offset < bytes.count else { throw Malformed() }
                if bytes[offset] == UInt8(ascii: ",") {
                    offset += 1
                    continue
                }
                try expect(UInt8(ascii: "]"))
                return .array(array)
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            return .int(try integer())
        }
    }

    private mutating func expect(_ byte: UInt8) throws(Malformed) {
        guard offset < bytes.count, bytes[offset] == byte else { throw Malformed() }
        offset += 1
    }

    private mutating func literal(_ word: StaticString) throws(Malformed) {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count else { throw Malformed() }
        for index in 0..<count where bytes[offset + index] != word.utf8Start[index] { throw Malformed() }
        offset += count
    }

    /// Numbers in the tree are integers (locations, enum values, `ival`); floats arrive as strings.
    private mutating func integer() throws(Malformed) -> Int {
        var negative = false
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") {
            negative = true
            offset += 1
        }
        var value = 0
        var digits = 0
        while offset < bytes.count, bytes[offset] >= UInt8(ascii: "0"), bytes[offset] <= UInt8(ascii: "9") {
            value = value &* 10 &+ Int(bytes[offset] - UInt8(ascii: "0"))
            offset += 1
            digits += 1
        }
        guard digits > 0 else { throw Malformed() }
        return negative ? -value : value
    }

    private mutating func string() throws(Malformed) -> String {
        try expect(UInt8(ascii: "\""))
        let start = offset
        while offset < bytes.count, bytes[offset] != UInt8(ascii: "\""), bytes[offset] != UInt8(ascii: "\\") {
            offset += 1
        }
        guard offset < bytes.count else { throw Malformed() }
        if bytes[offset] == UInt8(ascii: "\"") {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            offset += 1
            return text
        }
        var decoded = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte == UInt8(ascii: "\"") { return String(decoding: decoded, as: UTF8.self) }
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                continue
            }
            guard offset < bytes.count else { throw Malformed() }
            let escape = bytes[offset]
            offset += 1
            switch escape {
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), offset + 6 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                    bytes[offset + 1] == UInt8(ascii: "u")
                {
                    offset += 2
                    let low = try hex4()
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                decoded.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
            default: decoded.append(escape)  // \" \\ \/
            }
        }
        throw Malformed()
    }

    private mutating func hex4() throws(Malformed) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Malformed() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            offset += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
