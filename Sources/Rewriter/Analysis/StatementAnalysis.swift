/// What the rewriter found in one statement: where legacy tables are read.
struct StatementAnalysis {
    var kind: StatementKind
    var reads: [LegacyReference] = []
    var copySource: CopySource?
    var write: LegacyWrite?
    /// `TRUNCATE` of legacy tables only, when the options allow it.
    var truncated: [LegacyTable] = []

    var legacyTables: [String] {
        var names: [String] = []
        let written = [write?.target.table.name, copySource?.table.name].compactMap { $0 } + truncated.map(\.name)
        for table in written + reads.map(\.table.name)
        where !names.contains(table) {
            names.append(table)
        }
        return names
    }
}
