/// One statement of a migration.
public struct MigrationStep: Sendable, Equatable {
    public var sql: String
    /// Set when the step builds this index CONCURRENTLY: an INVALID leftover is dropped before a retry.
    public var concurrentIndex: String?

    /// True when the step holds only comments (nothing to send).
    var isEmpty: Bool {
        sql.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
    }
}
