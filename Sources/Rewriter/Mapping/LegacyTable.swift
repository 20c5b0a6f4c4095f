/// A legacy table folded into a JSON column of the target table: the unit the rewriter is generic over.
public struct LegacyTable: Sendable, Equatable {
    /// The schema of every legacy table: a name qualified with another one is not a legacy table,
    /// and errors raised in a legacy table's place name it.
    public static let schema = "public"

    public let name: String
    public let kind: FoldKind
    /// The JSON column of the target table that holds this table's rows.
    public let container: String
    /// The legacy column that identifies a row within one target row.
    public let keyColumn: String
    /// The legacy column that equals `joinTarget` of the target row holding the legacy row.
    public let joinColumn: String
    public let joinTarget: String
    /// The name of the legacy UNIQUE (key, join) constraint, for the errors writes raise.
    public let uniqueConstraint: String?
    /// In the legacy table's order: `SELECT *` must produce exactly this order.
    public let columns: [LegacyColumn]
    /// An empty table with the legacy column names and types (migration 0050): a rewritten UPDATE
    /// runs its SET list against it (touching no row) so the server applies the legacy assignment
    /// rules. Nil: SET values are only converted with an explicit CAST.
    public let assignmentTable: String?
    /// A view with the legacy column names and types whose rule turns an INSERT into a SELECT of
    /// nothing (migration 0060): a rewritten INSERT inserts its VALUES or SELECT into it first, so
    /// the server applies the legacy assignment rules, and the planner drops the statement unrun.
    /// Nil: INSERT values are only converted with an explicit CAST.
    public let insertCheckView: String?

    public init(
        name: String, kind: FoldKind, container: String, keyColumn: String, joinColumn: String,
        joinTarget: String, uniqueConstraint: String? = nil, columns: [LegacyColumn], assignmentTable: String? = nil,
        insertCheckView: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.container = container
        self.keyColumn = keyColumn
        self.joinColumn = joinColumn
        self.joinTarget = joinTarget
        self.uniqueConstraint = uniqueConstraint
        self.columns = columns
        self.assignmentTable = assignmentTable
        self.insertCheckView = insertCheckView
    }

    public func column(named name: String) -> LegacyColumn? {
        columns.first { $0.name == name }
    }
}
