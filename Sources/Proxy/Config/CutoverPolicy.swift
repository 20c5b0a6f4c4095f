/// The `[cutover]` section as the sessions use it: a default state per legacy table and the rules
/// that override it for some clients. The first matching rule wins.
public struct CutoverPolicy: Hashable, Sendable {
    /// The state of a table no rule and no `[cutover.tables.NAME]` section names.
    public var defaultTable: TableCutover
    /// `[cutover.tables.NAME]`: per-table defaults.
    public var tables: [String: TableCutover]
    public var rules: [CutoverRule]
    /// The hint of block mode's error; nil for the built-in one.
    public var blockHint: String?

    public init(defaultTable: TableCutover = TableCutover(mode: .passthrough), tables: [String: TableCutover] = [:], rules: [CutoverRule] = [], blockHint: String? = nil) {
        self.defaultTable = defaultTable
        self.tables = tables
        self.rules = rules
        self.blockHint = blockHint
    }

    /// The default state of `table` before rules.
    public func defaultState(of table: String) -> TableCutover {
        tables[table] ?? defaultTable
    }

    /// The state of every legacy table for this client: the first rule that matches and names a
    /// table decides it; otherwise the table's default.
    public func modes(for client: ClientIdentity, tables names: [String]) -> SessionModes {
        let matching = rules.filter { $0.match.matches(client) }
        var states: [String: TableCutover] = [:]
        var decidedBy: [String: String] = [:]
        for name in names {
            if let rule = matching.first(where: { $0.state(of: name) != nil }) {
                states[name] = rule.state(of: name)
                decidedBy[name] = rule.name
            } else {
                states[name] = defaultState(of: name)
            }
        }
        return SessionModes(tables: states, decidedBy: decidedBy, fallback: defaultTable)
    }

    /// Whether any client could get a mode other than passthrough: with none, sessions need not
    /// look at statements unless they are audited.
    public var isPassthroughEverywhere: Bool {
        defaultTable.mode == .passthrough && tables.values.allSatisfy { $0.mode == .passthrough }
            && rules.allSatisfy { rule in
                rule.tables.values.allSatisfy { $0.mode == .passthrough } && (rule.everyTable.map { $0.mode == .passthrough } ?? true)
            }
    }
}
