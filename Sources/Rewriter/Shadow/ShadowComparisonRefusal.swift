/// Why a statement gets no shadow comparison. The client's statement is not affected: its
/// audit record says the comparison was skipped and gives `reason`.
public enum ShadowComparisonRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// libpg_query could not parse the text; the server answered the client with its own error.
    case syntaxError(String)
    /// Only one statement can be wrapped in one comparison statement.
    case multipleStatements(Int)
    /// Not a SELECT (or VALUES/TABLE): comparing would run a write twice.
    case notARead(StatementKind)
    /// `SELECT … INTO` creates a table; running it again would fail or create another one.
    case selectInto
    /// `FOR UPDATE`/`FOR SHARE` would take row locks the client never asked the comparer to hold.
    case locking
    /// A data-modifying statement in WITH: a write.
    case dataModifyingWith
    /// The statement reads no legacy table, so both sides are the same query.
    case noLegacyTable
    /// The rewriter has no exact translation of the statement.
    case rewriteRefused(RewriteError)

    public var description: String {
        switch self {
        case .syntaxError(let message): "statement does not parse: \(message)"
        case .multipleStatements(let count): "\(count) statements in one query string; only one can be compared"
        case .notARead(let kind): "not a read (\(kind.rawValue))"
        case .selectInto: "SELECT INTO creates a table"
        case .locking: "FOR UPDATE/SHARE takes row locks"
        case .dataModifyingWith: "WITH holds a data-modifying statement"
        case .noLegacyTable: "statement reads no legacy table"
        case .rewriteRefused(let error): "rewriter refused: \(error.message)"
        }
    }
}
