/// The cutover state of every legacy table for one session, fixed for the length of a
/// transaction (a reload applies from the session's next transaction).
public struct SessionModes: Hashable, Sendable {
    public var tables: [String: TableCutover]
    /// The rule that decided each table, absent for tables at their default.
    public var decidedBy: [String: String]
    /// For a table the mapping knows but `tables` lacks.
    public var fallback: TableCutover

    public init(tables: [String: TableCutover], decidedBy: [String: String] = [:], fallback: TableCutover = TableCutover(mode: .passthrough)) {
        self.tables = tables
        self.decidedBy = decidedBy
        self.fallback = fallback
    }

    public static func uniform(_ mode: CutoverMode, tables names: [String]) -> SessionModes {
        let state = TableCutover(mode: mode)
        return SessionModes(tables: Dictionary(uniqueKeysWithValues: names.map { ($0, state) }), fallback: state)
    }

    public subscript(table: String) -> TableCutover { tables[table] ?? fallback }

    /// How a statement naming `names` runs: `block` if any of its tables is blocked; otherwise
    /// the earliest stage among its tables, provided all of them read from the same side. A
    /// statement that would read one table from the legacy side and another from the
    /// consolidated column has no consistent answer, and is refused (`nil`).
    public func statementMode(for names: [String]) -> TableCutover? {
        let states = names.map { self[$0] }
        guard let first = states.first else { return nil }
        if let blocked = states.first(where: { $0.mode == .block }) { return blocked }
        guard states.allSatisfy({ $0.mode.readsLegacyTable == first.mode.readsLegacyTable }) else { return nil }
        return states.min { $0.mode.stage < $1.mode.stage }
    }

    /// The value of the session setting `pgcutover.sync` the `pgcutover_sync` triggers read:
    /// `table=direction` pairs, sorted, comma-separated; empty when no table is synchronised.
    public var syncSetting: String {
        tables.keys.sorted().compactMap { name in tables[name]!.syncDirection.map { "\(name)=\($0)" } }
            .joined(separator: ",")
    }
}
