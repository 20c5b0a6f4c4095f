import Rewriter

/// What the audit records about a statement that touches a legacy table, known when the client
/// sends it; the rest (rows, SQLSTATE, duration) comes with its completion.
struct StatementAudit: Equatable, Sendable {
    var sql: String
    var rewrittenSQL: String?
    var tables: [String]
    var kind: StatementKind?
    var action: AuditRecord.Action
    /// The mode the statement ran in (`SessionModes.statementMode`); for a statement refused over
    /// mixed modes, the mode of its first table.
    var mode: CutoverMode = .passthrough
}
