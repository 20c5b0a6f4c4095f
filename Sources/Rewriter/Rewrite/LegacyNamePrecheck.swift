/// The cheap test run before any parse: a query string that does not contain a legacy table's
/// name (ASCII case-insensitively, so quoted and unquoted spellings both count) cannot reference
/// it, and passes through untouched.
///
/// It runs for every statement a session sends, and again before every hit of the proxy's rewrite
/// cache, so it must cost far less than a parse even for a long text (a batch upsert of some
/// kilobytes): each name is searched with Horspool's skip table, which looks at about one byte
/// in `name.count` where the text does not match.
struct LegacyNamePrecheck: Sendable {
    private let originals: [String]
    private let names: [Pattern]

    /// A lower-case name and how far the search may move on when the byte under the name's last
    /// position is `byte` (lower-cased): the distance from that byte's last place in the name,
    /// the last position not counted, to the end; the whole length for bytes not in it.
    private struct Pattern: Sendable {
        let bytes: [UInt8]
        let shift: [Int]

        init(_ name: String) {
            bytes = Array(name.lowercased().utf8)
            var shift = [Int](repeating: max(bytes.count, 1), count: 256)
            for (index, byte) in bytes.dropLast().enumerated() { shift[Int(byte)] = bytes.count - 1 - index }
            self.shift = shift
        }
    }

    init(names: [String]) {
        self.originals = names
        self.names = names.map(Pattern.init)
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

    private static func contains(_ text: UnsafeBufferPointer<UInt8>, _ pattern: Pattern) -> Bool {
        let count = pattern.bytes.count
        guard count > 0, text.count >= count else { return false }
        return pattern.bytes.withUnsafeBufferPointer { name in
            pattern.shift.withUnsafeBufferPointer { shift in
                var start = 0
                let lastStart = text.count - count
                while start <= lastStart {
                    let last = lower(text[start + count - 1])
                    if last == name[count - 1] {
                        var matched = count - 1
                        while matched > 0, lower(text[start + matched - 1]) == name[matched - 1] { matched -= 1 }
                        if matched == 0 { return true }
                    }
                    start += shift[Int(last)]
                }
                return false
            }
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
