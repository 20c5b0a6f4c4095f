/// The cheap test run before any parse: a query string that does not contain a legacy table's
/// name (ASCII case-insensitively, so quoted and unquoted spellings both count) cannot reference
/// it, and passes through untouched.
struct LegacyNamePrecheck: Sendable {
    private let originals: [String]
    private let names: [[UInt8]]

    init(names: [String]) {
        self.originals = names
        self.names = names.map { Array($0.lowercased().utf8) }
    }

    /// The legacy names that appear in `sql`, in the mapping's order.
    func namesMentioned(in sql: String) -> [String] {
        var sql = sql
        return sql.withUTF8 { text in
            zip(originals, names).filter { Self.contains(text, $0.1) }.map(\.0)
        }
    }

    func mayReference(_ sql: String) -> Bool {
        var sql = sql
        return sql.withUTF8 { text in
            names.contains { Self.contains(text, $0) }
        }
    }

    private static func contains(_ text: UnsafeBufferPointer<UInt8>, _ name: [UInt8]) -> Bool {
        guard let first = name.first, text.count >= name.count else { return false }
        var index = 0
        let last = text.count - name.count
        while index <= last {
            if text[index] | 0x20 == first {
                var matched = 1
                while matched < name.count, Self.lower(text[index + matched]) == name[matched] { matched += 1 }
                if matched == name.count { return true }
            }
            index += 1
        }
        return false
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
