import Rewriter

/// The one row a `ShadowComparison` statement returns, and the verdict it makes.
struct ShadowResult: Sendable, Equatable {
    var legacyRows: Int64
    var rewrittenRows: Int64
    var matched: Bool
    var legacyRow: String?
    var rewrittenRow: String?

    /// Longest text of one differing row in a summary; the summary stays under 500 characters.
    static let rowTextLimit = 200

    var verdict: AuditRecord.ShadowVerdict {
        if matched { return .match }
        let legacy = legacyRow.map { Self.bounded($0) } ?? "none"
        let rewritten = rewrittenRow.map { Self.bounded($0) } ?? "none"
        return .mismatch(summary: "legacy \(legacyRows) rows, rewritten \(rewrittenRows) rows; "
            + "first differing row: legacy \(legacy) / rewritten \(rewritten)")
    }

    private static func bounded(_ text: String) -> String {
        guard text.count > rowTextLimit else { return text }
        return String(text.prefix(rowTextLimit - 1)) + "…"
    }
}
