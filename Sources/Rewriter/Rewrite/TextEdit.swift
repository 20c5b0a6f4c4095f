/// Replace bytes `range` of the client's text with `replacement`. Everything outside the edited
/// ranges is kept byte for byte, so expressions the rewriter does not understand travel unchanged.
struct TextEdit {
    let range: Range<Int>
    let replacement: String

    /// Applies non-overlapping edits; nil if two overlap (a bug in the caller, never a guess).
    static func apply(_ edits: [TextEdit], to text: [UInt8]) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + edits.reduce(0) { $0 + $1.replacement.utf8.count })
        var cursor = 0
        for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            guard edit.range.lowerBound >= cursor, edit.range.upperBound <= text.count else { return nil }
            output.append(contentsOf: text[cursor..<edit.range.lowerBound])
            output.append(contentsOf: edit.replacement.utf8)
            cursor = edit.range.upperBound
        }
        output.append(contentsOf: text[cursor...])
        return String(decoding: output, as: UTF8.self)
    }
}
