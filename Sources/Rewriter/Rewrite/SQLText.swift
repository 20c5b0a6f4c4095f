/// Quoting for the few names and keys the rewriter writes itself (from the mapping file).
/// Client text is never re-quoted: it is copied token for token.
enum SQLText {
    /// A name as an identifier; quoted unless it is a plain lower-case name.
    /// Used only after `AS` or a qualifier, where Postgres accepts keywords as names.
    static func identifier(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.enumerated().allSatisfy { index, byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
                || (index > 0 && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return plain ? name : "\"" + doubled(name, UInt8(ascii: "\"")) + "\""
    }

    /// A string literal in standard quoting.
    static func literal(_ value: String) -> String {
        "'" + doubled(value, UInt8(ascii: "'")) + "'"
    }

    private static func doubled(_ text: String, _ quote: UInt8) -> String {
        guard text.utf8.contains(quote) else { return text }
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == quote { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
