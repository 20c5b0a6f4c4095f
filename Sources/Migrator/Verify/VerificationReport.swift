/// What `verify` found, per legacy table.
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
