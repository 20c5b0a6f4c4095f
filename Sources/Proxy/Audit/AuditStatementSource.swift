/// A statement's text handed to `AuditLog.submit` so that the writer thread, not the session's
/// event loop, parses it for the record's fingerprint and normalized texts (about 10 µs of
/// libpg_query per statement). The text with its literals stays in memory only until then.
public struct AuditStatementSource: Sendable, Equatable {
    public var sql: String
    public var rewrittenSQL: String?
    public var includeLiterals: Bool

    public init(sql: String, rewrittenSQL: String? = nil, includeLiterals: Bool = false) {
        self.sql = sql
        self.rewrittenSQL = rewrittenSQL
        self.includeLiterals = includeLiterals
    }

    var text: AuditStatementText {
        AuditStatementText(sql: sql, rewrittenSQL: rewrittenSQL, includeLiterals: includeLiterals)
    }
}
