extension Rewriter {
    /// An error's position as the client's statement would have it. The server's ErrorResponse
    /// `P` field counts characters from 1 in the text it ran, `rewritten`, the rewrite of the
    /// client's `sql`; the answer counts the same way in `sql`:
    /// - a position in text copied from the client's statement (an expression, a literal, a
    ///   column name; the rewriter copies them verbatim) is the same character of the client's text;
    /// - a position in SQL the rewriter wrote itself is the start of the client's text that SQL
    ///   stands for: the legacy table's name for a rebuilt table, the statement for a write's
    ///   scaffolding, `DEFAULT` for a column default;
    /// - nil when `rewritten` is not this rewriter's rewrite of `sql` (another mapping) or the
    ///   position is outside it: the caller then drops the position rather than guess.
    /// The rewrite runs again with position marks, so this costs a rewrite; it is meant for errors.
    public func originalErrorPosition(_ position: Int, in sql: String, rewrittenAs rewritten: String) -> Int? {
        guard position >= 1, case .rewritten(let marked, _) = rewrite(sql, marksPositions: true),
            let map = PositionMap(marked: marked), map.text == rewritten,
            let offset = Self.byteOffset(ofCharacter: position - 1, in: rewritten),
            let original = map.originalOffset(of: offset), original <= sql.utf8.count
        else { return nil }
        return Self.characters(in: sql.utf8.prefix(original)) + 1
    }

    /// Postgres counts characters as code points of the server encoding: in UTF-8, the bytes that
    /// do not continue a sequence.
    private static func characters<Bytes: Sequence<UInt8>>(in bytes: Bytes) -> Int {
        bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    private static func byteOffset(ofCharacter index: Int, in text: String) -> Int? {
        var seen = 0
        for (offset, byte) in text.utf8.enumerated() where byte & 0xC0 != 0x80 {
            if seen == index { return offset }
            seen += 1
        }
        return seen == index ? text.utf8.count : nil
    }
}
