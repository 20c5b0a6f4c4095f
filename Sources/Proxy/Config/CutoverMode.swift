/// What the proxy does with statements on the legacy tables.
public enum CutoverMode: String, Hashable, Sendable, CaseIterable {
    /// Every statement reaches the server as the client sent it.
    case passthrough
    /// Statements on legacy tables are rewritten onto the consolidated table; their answers look
    /// like the legacy table's.
    case rewrite
    /// Statements on legacy tables are refused (SQLSTATE 42501) with a message naming the table
    /// and where its rows live now, and a configurable hint.
    case block
}
