/// Renders values in COPY's text format: tab between columns, `\N` for NULL, backslash escapes for the
/// characters COPY treats specially. Arrays are array literals, escaped once as array elements and once
/// more as COPY text.
struct CopyText {
    private(set) var bytes: [UInt8] = []
    private var firstColumn = true

    mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

    mutating func null() { separator(); bytes.append(contentsOf: [0x5C, 0x4E]) }

    mutating func text(_ value: String?) {
        guard let value else { return null() }
        separator()
        appendEscaped(value)
    }

    mutating func raw(_ value: String) {
        separator()
        bytes.append(contentsOf: value.utf8)
    }

    mutating func int(_ value: Int?) {
        if let value { raw(String(value)) } else { null() }
    }

    mutating func float(_ value: Float?) {
        if let value { raw(Self.render(value)) } else { null() }
    }

    mutating func double(_ value: Double?) {
        if let value { raw(Self.render(value)) } else { null() }
    }

    mutating func floatArray(_ values: [Float]?) {
        guard let values else { return null() }
        raw("{" + values.map(Self.render).joined(separator: ",") + "}")
    }

    mutating func textArray(_ values: [String?]?) {
        guard let values else { return null() }
        let literal = values.map { element -> String in
            guard let element else { return "NULL" }
            var quoted = "\""
            for character in element {
                if character == "\"" || character == "\\" { quoted.append("\\") }
                quoted.append(character)
            }
            return quoted + "\""
        }
        text("{" + literal.joined(separator: ",") + "}")
    }

    mutating func endRow() {
        bytes.append(0x0A)
        firstColumn = true
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        firstColumn = true
    }

    private mutating func separator() {
        if !firstColumn { bytes.append(0x09) }
        firstColumn = false
    }

    private mutating func appendEscaped(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            default: bytes.append(byte)
            }
        }
    }

    /// Swift prints the shortest text that reads back as the same value, as Postgres does.
    private static func render(_ value: Float) -> String { value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "Infinity" : "-Infinity") : "\(value)" }
    private static func render(_ value: Double) -> String { value.isNaN ? "NaN" : value.isInfinite ? (value > 0 ? "Infinity" : "-Infinity") : "\(value)" }
}
