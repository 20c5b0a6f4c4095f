import Foundation

/// Writes JSON text byte by byte for the audit log. Strings are escaped as RFC 8259 requires:
/// quote, backslash and every control character (U+0000–U+001F, plus DEL) are escaped; other
/// non-ASCII text is written as its UTF-8 bytes except U+2028 and U+2029, which are escaped so a
/// line stays one line for JavaScript readers too.
struct JSONLineWriter {
    var out: [UInt8]
    private var needsComma = false

    init(out: [UInt8] = []) {
        self.out = out
    }

    mutating func beginObject() {
        out.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        out.append(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func newline() {
        out.append(UInt8(ascii: "\n"))
    }

    mutating func key(_ name: StaticString) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
        needsComma = true
    }

    mutating func null() {
        out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
    }

    /// A string known to need no escaping (enum raw values, formatted timestamps).
    mutating func rawString(_ value: String) {
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: value.utf8)
        out.append(UInt8(ascii: "\""))
    }

    mutating func string(_ value: String?) {
        guard var value else { return null() }
        out.append(UInt8(ascii: "\""))
        value.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied in one go; most text is such a run.
            var runStart = 0
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let isLineSeparator = byte == 0xE2 && index + 2 < bytes.count && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || isLineSeparator else {
                    index += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if isLineSeparator {
                    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                    unicodeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029)
                    index += 3
                } else {
                    escape(byte)
                    index += 1
                }
                runStart = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        out.append(0x5C)
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
            out.removeLast()
            unicodeEscape(UInt16(byte))
        }
    }

    mutating func strings(_ values: [String]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            string(value)
        }
        out.append(UInt8(ascii: "]"))
    }

    mutating func integer<I: FixedWidthInteger>(_ value: I) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        digits(value.magnitude, minimumWidth: 1)
    }

    /// Decimal digits of `value`, zero-padded to `minimumWidth`.
    mutating func digits<U: UnsignedInteger>(_ value: U, minimumWidth: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var remaining = UInt64(value)
            var index = 40
            repeat {
                index -= 1
                buffer[index] = UInt8(remaining % 10) + UInt8(ascii: "0")
                remaining /= 10
            } while remaining > 0 || 40 - index < minimumWidth
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<40]))
        }
    }

    /// Milliseconds with microsecond precision, never in exponent form; non-finite values are null.
    mutating func milliseconds(_ value: Double?) {
        guard let value, value.isFinite else { return null() }
        let micros = (value * 1000).rounded()
        guard abs(micros) < 9e15 else { return null() }
        let whole = Int64(micros)
        let sign = whole < 0 ? "-" : ""
        let magnitude = whole.magnitude
        let fraction = magnitude % 1000
        out.append(contentsOf: sign.utf8)
        digits(magnitude / 1000, minimumWidth: 1)
        out.append(UInt8(ascii: "."))
        digits(fraction, minimumWidth: 3)
    }

    private mutating func unicodeEscape(_ unit: UInt16) {
        func hex(_ nibble: UInt16) -> UInt8 {
            nibble < 10 ? UInt8(nibble) + UInt8(ascii: "0") : UInt8(nibble - 10) + UInt8(ascii: "a")
        }
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        out.append(hex(unit >> 12 & 0xF))
        out.append(hex(unit >> 8 & 0xF))
        out.append(hex(unit >> 4 & 0xF))
        out.append(hex(unit & 0xF))
    }

    /// A timestamp in the audit log's format, quoted.
    mutating func time(_ date: Date) {
        out.append(UInt8(ascii: "\""))
        RFC3339.append(date, to: &out)
        out.append(UInt8(ascii: "\""))
    }
}
