/// The comparison of one legacy table with the rows rebuilt from the new columns.
public struct TableComparison: Sendable, Equatable {
    public var table: String
    public var legacyRows = 0
    public var rebuiltRows = 0
    public var matched = 0
    /// In the legacy table, not in the JSON.
    public var missing = 0
    /// Missing rows that the configured cap dropped on purpose (recorded in pgcutover_dropped_relationships).
    public var missingExplainedByCap = 0
    /// In the JSON, not in the legacy table.
    public var extra = 0
    /// Same id, some column differs.
    public var different = 0
    /// JSON elements whose id occurs more than once.
    public var duplicates = 0
    public var examples: [String] = []

    public var unexplained: Int { (missing - missingExplainedByCap) + extra + different + duplicates }
    /// Whether the JSON holds anything the legacy table does not (what `down` would lose).
    public var jsonHasMore: Bool { extra + different + duplicates > 0 }
}
