/// The marks a rewrite carries when asked where its text came from (`Rewriter.originalErrorPosition`).
/// Every piece of generated SQL is built as a plain string; rather than thread offsets through
/// all of them, the pieces copied from the client's text and the replacements are wrapped in marks
/// that travel inside those strings, and `PositionMap.init(marked:)` removes them afterwards.
/// A mark starts with a NUL byte, which no statement text can hold (Query and Parse carry
/// NUL-terminated strings), so client text is never taken for a mark.
///
///     NUL "V" offset NUL … NUL "E"   bytes copied from the client's text at `offset`
///     NUL "G" offset NUL … NUL "E"   text the rewriter wrote in place of the client's text at `offset`
enum PositionMark {
    static let start: UInt8 = 0
    static let verbatim = UInt8(ascii: "V")
    static let generated = UInt8(ascii: "G")
    static let end = UInt8(ascii: "E")

    static func copy(_ bytes: ArraySlice<UInt8>, from offset: Int, into output: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        open(verbatim, offset, into: &output)
        output.append(contentsOf: bytes)
        output.append(contentsOf: [start, end])
    }

    static func generated(_ text: String, standingFor offset: Int, into output: inout [UInt8]) {
        guard !text.isEmpty else { return }
        open(generated, offset, into: &output)
        output.append(contentsOf: text.utf8)
        output.append(contentsOf: [start, end])
    }

    private static func open(_ kind: UInt8, _ offset: Int, into output: inout [UInt8]) {
        output.append(start)
        output.append(kind)
        output.append(contentsOf: String(offset).utf8)
        output.append(start)
    }
}
