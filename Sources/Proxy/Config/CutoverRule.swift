/// One `[[cutover.rules]]` entry: for clients it matches, these tables get these modes. Tables the
/// rule does not name keep the default (a rule moves one script ahead, or holds it back, on the
/// tables it names and no others); a rule with `everyTable` names every legacy table.
public struct CutoverRule: Hashable, Sendable {
    public var name: String
    public var match: ClientMatch
    public var tables: [String: TableCutover]
    /// `mode = "…"` in the rule: the state of every legacy table `tables` does not name.
    public var everyTable: TableCutover?

    public init(name: String, match: ClientMatch, tables: [String: TableCutover] = [:], everyTable: TableCutover? = nil) {
        self.name = name
        self.match = match
        self.tables = tables
        self.everyTable = everyTable
    }

    /// This rule's state for `table`, nil when the rule leaves the table alone.
    public func state(of table: String) -> TableCutover? {
        tables[table] ?? everyTable
    }
}
