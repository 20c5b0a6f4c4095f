/// What a statement does, as far as the rewriter and the audit care.
public enum StatementKind: String, Sendable, Equatable {
    case select, insert, update, delete, copy, ddl, other
}
