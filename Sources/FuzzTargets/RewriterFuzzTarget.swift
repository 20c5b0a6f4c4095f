import Rewriter

/// Query text through everything the proxy does with it: the legacy-name precheck, the rewrite,
/// and the audit's fingerprint and normalized text. Any outcome (pass-through, rewrite, refusal)
/// is fine; a rewrite must be SQL that parses and that the rewriter would leave alone, and an
/// error position anywhere in it must be placed in the client's text.
public struct RewriterFuzzTarget: FuzzTarget {
    private static let name = FuzzTargetName.rewriter.rawValue
    private let rewriter: Rewriter
    private let truncating: Rewriter

    public init(mapping: Mapping) {
        self.rewriter = Rewriter(mapping: mapping)
        self.truncating = Rewriter(mapping: mapping, options: RewriterOptions(allowTruncate: true))
    }

    public func run(_ input: UnsafeRawBufferPointer) throws(FuzzFinding) {
        // As a Query or Parse message delivers it: up to the first NUL, invalid UTF-8 repaired.
        let end = input.firstIndex(of: 0) ?? input.count
        let sql = String(decoding: UnsafeRawBufferPointer(rebasing: input[..<end]), as: UTF8.self)

        let mayReference = rewriter.mayReferenceLegacyTable(sql)
        let mentioned = rewriter.legacyTablesMentioned(in: sql)
        guard mayReference == !mentioned.isEmpty else {
            throw FuzzFinding(Self.name, "mayReferenceLegacyTable is \(mayReference) but the text mentions \(mentioned)")
        }
        _ = QueryIdentity.fingerprint(sql)
        _ = QueryIdentity.normalize(sql)

        let outcome = rewriter.rewrite(sql)
        try check(outcome, of: sql, by: rewriter, mayReference: mayReference)
        if case .refused = outcome {
            // TRUNCATE is refused unless the deployment allows it; take the other road too.
            try check(truncating.rewrite(sql), of: sql, by: truncating, mayReference: mayReference)
        }
    }

    private func check(_ outcome: RewriteOutcome, of sql: String, by producer: Rewriter, mayReference: Bool) throws(FuzzFinding) {
        switch outcome {
        case .passThrough:
            break
        case .refused(let error):
            guard mayReference else {
                throw FuzzFinding(Self.name, "refused a text that names no legacy table: \(error)")
            }
            guard error.sqlState.utf8.count == 5, !error.message.isEmpty else {
                throw FuzzFinding(Self.name, "a refusal that is not a well-formed error: \(error)")
            }
        case .rewritten(let rewritten, let statements):
            guard mayReference, !statements.isEmpty else {
                throw FuzzFinding(Self.name, "rewrote a text that names no legacy table")
            }
            guard QueryIdentity.fingerprint(rewritten) != nil else {
                throw FuzzFinding(Self.name, "the rewrite does not parse:\n\(sql)\n->\n\(rewritten)")
            }
            let characters = sql.unicodeScalars.count
            for position in [1, rewritten.unicodeScalars.count / 2 + 1, rewritten.unicodeScalars.count + 1] {
                guard let placed = producer.originalErrorPosition(position, in: sql, rewrittenAs: rewritten),
                    (1...characters + 1).contains(placed)
                else {
                    throw FuzzFinding(Self.name, "error position \(position) of the rewrite has no place in the client's text:\n\(sql)")
                }
            }
            let again = rewriter.rewrite(rewritten)
            if case .refused(let error) = again, error.sqlState == "54001" {
                // The rewrite nests deeper than the statement did, so one just under the depth limit
                // can come out over it; it is the rewriter's own output that cannot be checked then.
                return
            }
            guard again == .passThrough else {
                throw FuzzFinding(Self.name, "the rewrite still reads a legacy table (\(again)):\n\(sql)\n->\n\(rewritten)")
            }
        }
    }
}
