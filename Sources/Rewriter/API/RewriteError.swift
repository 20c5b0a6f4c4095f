/// Why a statement was not rewritten, in the fields of a Postgres ErrorResponse.
/// The proxy sends it to the client as is; the statement never reaches the server.
public struct RewriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `0A000` (feature_not_supported) for every construct the rewriter refuses.
    public let sqlState: String
    public let message: String
    public let detail: String?
    public let hint: String?

    public init(sqlState: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// A construct on a legacy table that has no exact translation; never approximated.
    static func unsupported(_ construct: String, table: String, detail: String? = nil) -> RewriteError {
        RewriteError(
            sqlState: "0A000",
            message: "pgcutover cannot rewrite \(construct) on legacy table \(table)",
            detail: detail ?? "\(table) is now stored in a JSONB column of the consolidated table;"
                + " only statements with an exact translation are rewritten.",
            hint: "Run this statement in passthrough mode, or write it against the consolidated table.")
    }

    /// A statement nested deeper than the rewriter follows (`JSONReader.maximumDepth`); 54001 is
    /// the server's own statement_too_complex.
    static let tooDeeplyNested = RewriteError(
        sqlState: "54001",
        message: "statement is nested too deeply for pgcutover to rewrite",
        detail: "It names a legacy table, and its parse tree is more than \(JSONReader.maximumDepth) levels deep.",
        hint: "Simplify the statement, or run it in passthrough mode.")

    public var description: String { "\(sqlState): \(message)" }
}
