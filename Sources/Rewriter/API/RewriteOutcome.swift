/// The result of `Rewriter.rewrite(_:)` for one query string (one or more statements).
public enum RewriteOutcome: Sendable, Equatable {
    /// No statement names a legacy table: send the client's bytes unchanged.
    case passThrough
    /// At least one statement was rewritten; `sql` holds all statements, untouched ones verbatim.
    case rewritten(sql: String, statements: [RewrittenStatement])
    /// Some statement has no exact translation; send `RewriteError` to the client instead.
    case refused(RewriteError)
}
