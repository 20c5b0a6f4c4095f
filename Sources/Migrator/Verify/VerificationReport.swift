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

public struct VerificationReport: Sendable, Equatable {
    public var tables: [TableComparison]
    public var relationshipsCap: Int?
    public var isClean: Bool { tables.allSatisfy { $0.unexplained == 0 } }

    public var text: String {
        var lines: [String] = []
        for t in tables {
            var line = "\(t.table): legacy \(t.legacyRows), rebuilt \(t.rebuiltRows): matched \(t.matched), "
                + "missing \(t.missing), extra \(t.extra), different \(t.different), duplicate \(t.duplicates)"
            if t.missingExplainedByCap > 0, let cap = relationshipsCap {
                line += " (\(t.missingExplainedByCap) missing dropped by --relationships-cap \(cap))"
            }
            lines.append(line)
            lines += t.examples.map { "  e.g. \($0)" }
        }
        lines.append(isClean ? "verify: clean" : "verify: DIFFERENCES FOUND")
        return lines.joined(separator: "\n")
    }
}
