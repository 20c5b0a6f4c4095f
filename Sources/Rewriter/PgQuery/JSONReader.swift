import Foundation

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

    /// With `inertRowsExcept`, every row of a `valuesLists` after the first that contains none of
    /// these strings (as a key or a value) is read as `null` instead of being decoded: a batch
    /// INSERT of hundreds of rows of constants is most of its tree, and nothing the rewriter does
    /// depends on such a row. The first row stays, for its width.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, inertRowsExcept needles: [[UInt8]]? = nil) throws(Malformed) -> JSON {
        var reader = JSONReader(bytes: bytes)
        reader.needles = needles
        return try reader.value()
    }

    private var needles: [[UInt8]]?

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
                if let needles, key == "valuesLists" {
                    object.members.append((key, try valuesRows(needles)))
                } else {
                    object.members.append((key, try value()))
                }
                guard try anotherElement(closedBy: UInt8(ascii: "}")) else { return .object(object) }
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
                guard try anotherElement(closedBy: UInt8(ascii: "]")) else { return .array(array) }
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

    /// A `valuesLists` array: the first row decoded, later ones decoded only if not inert.
    private mutating func valuesRows(_ needles: [[UInt8]]) throws(Malformed) -> JSON {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else { throw Malformed(tooDeep: true) }
        skipSpace()
        try expect(UInt8(ascii: "["))
        var rows: [JSON] = []
        skipSpace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array(rows)
        }
        while true {
            skipSpace()
            let start = offset
            if !rows.isEmpty, try skipInert(needles) {
                rows.append(.null)
            } else {
                offset = start
                rows.append(try value())
            }
            guard try anotherElement(closedBy: UInt8(ascii: "]")) else { return .array(rows) }
        }
    }

    /// After an element of an array or object: true when a comma says another follows, false once
    /// the closing bracket is read.
    private mutating func anotherElement(closedBy close: UInt8) throws(Malformed) -> Bool {
        skipSpace()
        guard offset < bytes.count else { throw Malformed() }
        if bytes[offset] == UInt8(ascii: ",") {
            offset += 1
            return true
        }
        try expect(close)
        return false
    }

    /// Moves past one value without decoding it; false (the offset then undefined) as soon as a
    /// string equal to a needle appears. Throws as `value()` would: on malformed text, and when a
    /// value in it lies deeper than `maximumDepth` (every string and number counted one level
    /// inside its container, as `value()` counts a member's value).
    private mutating func skipInert(_ needles: [[UInt8]]) throws(Malformed) -> Bool {
        var open = 0
        repeat {
            skipSpace()
            guard offset < bytes.count else { throw Malformed() }
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open += 1
                guard depth + open <= Self.maximumDepth else { throw Malformed(tooDeep: true) }
                offset += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                open -= 1
                offset += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                offset += 1
            case UInt8(ascii: "\""):
                guard depth + open + 1 <= Self.maximumDepth else { throw Malformed(tooDeep: true) }
                offset += 1
                let start = offset
                var escaped = false
                while offset < bytes.count, bytes[offset] != UInt8(ascii: "\"") {
                    if bytes[offset] == UInt8(ascii: "\\") {
                        escaped = true
                        offset += 1
                    }
                    offset += 1
                }
                guard offset < bytes.count else { throw Malformed() }
                let length = offset - start
                offset += 1
                // libpg_query escapes only quotes, backslashes and control characters, which no
                // needle contains: an escaped string is none of them.
                if !escaped {
                    for needle in needles where needle.count == length {
                        if needle.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + start, length) == 0 }) {
                            return false
                        }
                    }
                }
            default:
                guard depth + open + 1 <= Self.maximumDepth else { throw Malformed(tooDeep: true) }
                // true, false, null, or a number: up to the next delimiter.
                let start = offset
                while offset < bytes.count, !Self.isDelimiter(bytes[offset]) { offset += 1 }
                guard offset > start else { throw Malformed() }
            }
        } while open > 0
        return true
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"), 0x20, 0x0A, 0x0D, 0x09: true
        default: false
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
