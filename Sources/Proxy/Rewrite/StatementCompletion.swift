import NIOCore

/// A legacy statement the server has finished with: the audit record's remaining fields.
struct StatementCompletion: Equatable, Sendable {
    var audit: StatementAudit
    var startedAt: NIODeadline
    var rows: Int?
    var sqlState: String?
    /// A shadow-mode read that succeeded: what the shadow comparer needs to run it again.
    var shadow: ShadowInput? = nil
}
