/// Which bytes of a rewritten text came from which bytes of the client's text, so that an error
/// position the server reports in the rewritten text can be given back in the client's.
struct PositionMap: Sendable, Equatable {
    struct Segment: Sendable, Equatable {
        /// Bytes of the rewritten text.
        let rewritten: Range<Int>
        /// Where they come from in the client's text: the first byte of a verbatim copy, or the
        /// start of the client's text a piece of generated SQL stands for.
        let original: Int
        let verbatim: Bool
    }

    /// The rewritten text without its marks.
    let text: String
    /// Nested pieces are listed before the pieces around them.
    let segments: [Segment]

    /// Removes the `PositionMark`s of a text rewritten with marking; nil if they do not nest.
    init?(marked: String) {
        var output: [UInt8] = []
        var open: [(start: Int, original: Int, verbatim: Bool)] = []
        var segments: [Segment] = []
        let bytes = Array(marked.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == PositionMark.start else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { return nil }
            let kind = bytes[index + 1]
            index += 2
            if kind == PositionMark.end {
                guard let piece = open.popLast() else { return nil }
                segments.append(Segment(rewritten: piece.start..<output.count, original: piece.original, verbatim: piece.verbatim))
                continue
            }
            guard kind == PositionMark.verbatim || kind == PositionMark.generated else { return nil }
            var offset = 0
            while index < bytes.count, bytes[index] != PositionMark.start {
                guard bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else { return nil }
                offset = offset * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            index += 1
            open.append((output.count, offset, kind == PositionMark.verbatim))
        }
        guard open.isEmpty else { return nil }
        self.text = String(decoding: output, as: UTF8.self)
        self.segments = segments
    }

    /// The byte of the client's text that byte `offset` of the rewritten text came from: the same
    /// byte of a verbatim copy, or the start of what a generated piece stands for (the innermost
    /// piece that holds it). The end of the text maps to the end of the last piece.
    func originalOffset(of offset: Int) -> Int? {
        var best: Segment?
        for segment in segments where segment.rewritten.contains(offset)
            || (offset == segment.rewritten.upperBound && offset == text.utf8.count)
        {
            if best == nil || segment.rewritten.count < best!.rewritten.count { best = segment }
        }
        guard let best else { return nil }
        return best.verbatim ? best.original + (offset - best.rewritten.lowerBound) : best.original
    }
}
