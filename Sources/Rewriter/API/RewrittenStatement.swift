/// One statement of a rewritten query string.
public struct RewrittenStatement: Sendable, Equatable {
    public let kind: StatementKind
    /// The legacy tables the statement referenced, in order of first appearance; empty when the
    /// statement was left as the client sent it.
    public let legacyTables: [String]
    public let commandTag: CommandTagRule
}
