/// One `[[cutover.rules]]` entry: for clients it matches, these tables get these modes. Tables the
/// rule does not name keep the default (a rule moves one script ahead, or holds it back, on the
/// tables it names and no others).
public struct CutoverRule: Hashable, Sendable {
    public var name: String
    public var match: ClientMatch
    public var tables: [String: TableCutover]

    public init(name: String, match: ClientMatch, tables: [String: TableCutover]) {
        self.name = name
        self.match = match
        self.tables = tables
    }
}
