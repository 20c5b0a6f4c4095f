/// What the rewriter found in one statement: where legacy tables are read.
struct StatementAnalysis {
    var kind: StatementKind
    var reads: [LegacyReference] = []
    var copySource: CopySource?

    var legacyTables: [String] {
        var names: [String] = []
        for table in reads.map(\.table.name) + [copySource?.table.name].compactMap({ $0 })
        where !names.contains(table) {
            names.append(table)
        }
        return names
    }
}
