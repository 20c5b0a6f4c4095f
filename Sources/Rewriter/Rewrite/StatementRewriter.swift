/// Turns one statement's analysis into text edits: each legacy table name becomes a derived table
/// of the same exposed name, with conditions implied by the WHERE clause pushed into it.
struct StatementRewriter {
    let text: [UInt8]
    /// The statement text's tokens, comments removed.
    let tokens: [ScannedToken]
    let folds: [String: FoldedRows]
    /// Wrap the client's text kept in `render` in `PositionMark`s (only when asked where an error
    /// position came from).
    var marksPositions = false

    func edits(for analysis: StatementAnalysis) throws(RewriteError) -> [TextEdit] {
        var edits: [TextEdit] = []
        for reference in analysis.reads {
            guard let fold = folds[reference.table.name] else { continue }
            let name = try nameSpan(at: reference.location, parts: reference.nameParts, table: reference.table)
            let range =
                reference.inheritance
                ? starSpan(after: name) : try onlySpan(around: name, table: reference.table)
            var replacement = fold.sql(where: conditions(reference, fold: fold))
            if reference.aliasName == nil {
                // The derived table keeps the name the rest of the statement uses, as the client wrote it.
                replacement += " AS " + tokenText(name.lastToken)
            }
            if range.upperBound < text.count, Self.continuesWord(text[range.upperBound]) {
                // `ONLY(name)WHERE` and `name*WHERE` need no space; the alias that replaces them does.
                replacement += " "
            }
            edits.append(TextEdit(range: range, replacement: replacement))
        }
        if let copy = analysis.copySource, let fold = folds[copy.table.name] {
            let name = try nameSpan(at: copy.location, parts: copy.nameParts, table: copy.table)
            var end = name.range.upperBound
            var columns = "*"
            if copy.hasColumnList {
                guard let list = parenthesized(after: name.lastToken) else {
                    throw .unsupported("this COPY column list", table: copy.table.name)
                }
                columns = String(decoding: text[list.inner], as: UTF8.self)
                end = list.outer.upperBound
            }
            let query = "(SELECT \(columns) FROM \(fold.sql(where: [])) AS \(tokenText(name.lastToken)))"
            edits.append(TextEdit(range: name.range.lowerBound..<end, replacement: query))
        }
        return edits
    }

    /// The pushed-down conditions of a reference, on the target row, in the client's own tokens.
    func conditions(_ reference: LegacyReference, fold: FoldedRows) -> [String] {
        reference.pushdowns.compactMap { predicate -> String? in
            guard let operands = operandTexts(predicate.operands) else { return nil }
            return fold.targetCondition(for: predicate, operands: operands)
        }
    }

    /// The client's text of `range` with the given edits applied inside it, from its first token to
    /// its last: comments at either end are dropped with the white space, because a trailing `--`
    /// comment, its newline trimmed, would swallow whatever the rewrite puts after the text.
    func render(_ range: Range<Int>, edits: [TextEdit]) -> String {
        let first = firstToken(atOrAfter: range.lowerBound)
        var last = first
        while last < tokens.count, tokens[last].end <= range.upperBound { last += 1 }
        guard last > first else { return "" }
        let lower = tokens[first].start
        let upper = tokens[last - 1].end
        let inside = edits.isEmpty ? [] : edits.filter { $0.range.lowerBound >= lower && $0.range.upperBound <= upper }
        if inside.isEmpty, !marksPositions { return String(decoding: text[lower..<upper], as: UTF8.self) }
        let shifted = inside.map {
            TextEdit(range: ($0.range.lowerBound - lower)..<($0.range.upperBound - lower), replacement: $0.replacement, origin: $0.origin)
        }
        return TextEdit.apply(shifted, to: Array(text[lower..<upper]), base: lower, marking: marksPositions) ?? ""
    }

    /// A byte that would run on into a word (or a quoted name) written right before it.
    private static func continuesWord(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"), UInt8(ascii: "\""), 0x80...:
            true
        default:
            false
        }
    }

    struct NameSpan {
        let range: Range<Int>
        let firstToken: Int
        let lastToken: Int
    }

    /// `name`, `schema.name` or `catalog.schema.name`: the parse tree gives only the start.
    func nameSpan(at location: Int, parts: Int, table: LegacyTable) throws(RewriteError) -> NameSpan {
        guard let first = tokenIndex(startingAt: location), first + 2 * (parts - 1) < tokens.count else {
            throw .unsupported("a name the scanner does not delimit", table: table.name)
        }
        let last = first + 2 * (parts - 1)
        return NameSpan(range: tokens[first].start..<tokens[last].end, firstToken: first, lastToken: last)
    }

    /// `name *` asks for the table with its inheritance children, the default since Postgres 7.1; the
    /// derived table has no children, and a `*` left after it would not parse, so it goes with the name.
    private func starSpan(after name: NameSpan) -> Range<Int> {
        let after = name.lastToken + 1
        guard after < tokens.count, tokens[after].kind == ScannedToken.star else { return name.range }
        return name.range.lowerBound..<tokens[after].end
    }

    /// `ONLY name` or `ONLY (name)`: ONLY has no meaning for the derived table, so it goes with the name.
    private func onlySpan(around name: NameSpan, table: LegacyTable) throws(RewriteError) -> Range<Int> {
        let before = name.firstToken - 1
        if before >= 0, isKeyword(before, "only") {
            return tokens[before].start..<name.range.upperBound
        }
        let after = name.lastToken + 1
        if before >= 1, tokens[before].kind == ScannedToken.openParen, isKeyword(before - 1, "only"),
            after < tokens.count, tokens[after].kind == ScannedToken.closeParen
        {
            return tokens[before - 1].start..<tokens[after].end
        }
        throw .unsupported("ONLY", table: table.name)
    }

    /// The `( … )` right after token `index`, with its balanced contents.
    func parenthesized(after index: Int) -> (outer: Range<Int>, inner: Range<Int>)? {
        let open = index + 1
        guard open < tokens.count, tokens[open].kind == ScannedToken.openParen else { return nil }
        var depth = 0
        for close in open..<tokens.count {
            if tokens[close].kind == ScannedToken.openParen { depth += 1 }
            if tokens[close].kind == ScannedToken.closeParen {
                depth -= 1
                if depth == 0 {
                    return (tokens[open].start..<tokens[close].end, tokens[open].end..<tokens[close].start)
                }
            }
        }
        return nil
    }

    func operandTexts(_ operands: [PushdownPredicate.Operand]) -> [String]? {
        var texts: [String] = []
        for operand in operands {
            switch operand {
            case .token(let location):
                guard let index = tokenIndex(startingAt: location) else { return nil }
                texts.append(tokenText(index))
            case .array(let elements):
                var parts: [String] = []
                for location in elements {
                    guard let index = tokenIndex(startingAt: location) else { return nil }
                    parts.append(tokenText(index))
                }
                texts.append("ARRAY[" + parts.joined(separator: ", ") + "]")
            }
        }
        return texts
    }

    func tokenIndex(startingAt location: Int) -> Int? {
        let index = firstToken(atOrAfter: location)
        return index < tokens.count && tokens[index].start == location ? index : nil
    }

    /// The index of the first token that starts at or after `offset` (`tokens.count` if none).
    func firstToken(atOrAfter offset: Int) -> Int {
        var low = 0
        var high = tokens.count
        while low < high {
            let mid = (low + high) / 2
            if tokens[mid].start < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func tokenText(_ index: Int) -> String {
        String(decoding: text[tokens[index].start..<tokens[index].end], as: UTF8.self)
    }

    func isKeyword(_ index: Int, _ keyword: String) -> Bool {
        let token = tokens[index]
        guard token.end - token.start == keyword.utf8.count else { return false }
        var offset = token.start
        for byte in keyword.utf8 {
            guard text[offset] | 0x20 == byte else { return false }
            offset += 1
        }
        return true
    }

    /// True when token `index` is the one character `character` (`,`, `=`): no String made, as
    /// this runs for every token of a long VALUES list.
    func isCharacter(_ index: Int, _ character: Unicode.Scalar) -> Bool {
        let token = tokens[index]
        return token.end - token.start == 1 && text[token.start] == UInt8(ascii: character)
    }
}
