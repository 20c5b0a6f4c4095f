/// Quoting for the few names and keys the rewriter writes itself (from the mapping file).
/// Client text is never re-quoted: it is copied token for token.
enum SQLText {
    /// A name as an identifier; quoted unless it is a plain lower-case name.
    /// Used only after `AS` or a qualifier, where Postgres accepts keywords as names.
    static func identifier(_ name: String) -> String {
        let plain = name.utf8.enumerated().allSatisfy { index, byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
                || (index > 0 && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        return plain && !name.isEmpty ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A string literal in standard quoting.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
