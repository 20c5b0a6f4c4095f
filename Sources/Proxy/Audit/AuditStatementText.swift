import Rewriter

/// What the audit log shows of a statement: its fingerprint and its text with every constant
/// replaced by `$n`, so literal values (names, ids, perhaps secrets) stay out of the log. The
/// client's own text is logged only when `includeLiterals` is set by configuration.
public struct AuditStatementText: Sendable, Equatable {
    public var fingerprint: String?
    public var statement: String?
    public var rewrittenStatement: String?

    public init(fingerprint: String?, statement: String?, rewrittenStatement: String?) {
        self.fingerprint = fingerprint
        self.statement = statement
        self.rewrittenStatement = rewrittenStatement
    }

    /// Parses `sql` (and `rewrittenSQL`) with libpg_query. A text that does not parse gets no
    /// fingerprint and, unless literals are allowed, no statement text: its constants could not
    /// be found, so none of it is logged.
    public init(sql: String, rewrittenSQL: String? = nil, includeLiterals: Bool = false) {
        self.fingerprint = QueryIdentity.fingerprint(sql)
        if includeLiterals {
            self.statement = sql
            self.rewrittenStatement = rewrittenSQL
        } else {
            self.statement = QueryIdentity.normalize(sql)
            self.rewrittenStatement = rewrittenSQL.flatMap(QueryIdentity.normalize)
        }
    }
}
