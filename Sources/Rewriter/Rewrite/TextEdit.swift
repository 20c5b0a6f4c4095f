/// Replace bytes `range` of the client's text with `replacement`. Everything outside the edited
/// ranges is kept byte for byte, so expressions the rewriter does not understand travel unchanged.
struct TextEdit {
    let range: Range<Int>
    let replacement: String
    /// Where an error in the replacement is reported in the client's text (`PositionMark`), when
    /// not at the range's start: a statement's range starts with the white space before it.
    var origin: Int? = nil

    /// Applies non-overlapping edits; nil if two overlap (a bug in the caller, never a guess).
    /// `base` is the offset of `text` in the client's statement; with `marking`, every kept chunk
    /// and every replacement is wrapped in `PositionMark`s saying where it came from.
    static func apply(_ edits: [TextEdit], to text: [UInt8], base: Int = 0, marking: Bool = false) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count + edits.reduce(0) { $0 + $1.replacement.utf8.count })
        var cursor = 0
        for edit in edits.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            guard edit.range.lowerBound >= cursor, edit.range.upperBound <= text.count else { return nil }
            if marking {
                PositionMark.copy(text[cursor..<edit.range.lowerBound], from: base + cursor, into: &output)
                PositionMark.generated(edit.replacement, standingFor: edit.origin ?? (base + edit.range.lowerBound), into: &output)
            } else {
                output.append(contentsOf: text[cursor..<edit.range.lowerBound])
                output.append(contentsOf: edit.replacement.utf8)
            }
            cursor = edit.range.upperBound
        }
        if marking {
            PositionMark.copy(text[cursor...], from: base + cursor, into: &output)
        } else {
            output.append(contentsOf: text[cursor...])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
