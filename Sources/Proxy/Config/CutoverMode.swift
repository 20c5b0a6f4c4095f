/// What the proxy does with statements on one legacy table, for one client.
public enum CutoverMode: String, Hashable, Sendable, CaseIterable {
    /// Every statement reaches the server as the client sent it; audited.
    case passthrough
    /// Reads from the legacy table; every write reaches the legacy table and, in the same
    /// transaction, the consolidated column (the `pgcutover_sync` triggers, migration 0030).
    case dualWrite = "dual-write"
    /// Dual-write, and every read is also answered from the consolidated column on the side and
    /// compared with the legacy answer; the client always gets the legacy answer.
    case shadow
    /// Statements on legacy tables are rewritten onto the consolidated table; their answers look
    /// like the legacy table's.
    case rewrite
    /// Statements on legacy tables are refused (SQLSTATE 42501) with a message naming the table
    /// and where its rows live now, and a configurable hint.
    case block

    /// Where reads of the table are served from in this mode: the cutover moves a table from the
    /// legacy side to the consolidated side in one step (`rewrite`), never half-way.
    public var readsLegacyTable: Bool {
        switch self {
        case .passthrough, .dualWrite, .shadow: true
        case .rewrite, .block: false
        }
    }

    /// The stage order of the runbook; a statement spanning tables at different stages runs at
    /// the earliest stage of its tables (see `SessionModes.statementMode`).
    public var stage: Int {
        switch self {
        case .passthrough: 0
        case .dualWrite: 1
        case .shadow: 2
        case .rewrite: 3
        case .block: 4
        }
    }
}
