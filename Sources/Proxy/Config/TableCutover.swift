/// The cutover state of one legacy table for one client: its mode and, in rewrite mode, whether
/// writes still reach the legacy table too (reverse dual-write, so a rollback loses nothing).
public struct TableCutover: Hashable, Sendable, CustomStringConvertible {
    public var mode: CutoverMode
    public var reverseDualWrite: Bool

    public init(mode: CutoverMode, reverseDualWrite: Bool = false) {
        self.mode = mode
        self.reverseDualWrite = reverseDualWrite
    }

    /// What the `pgcutover_sync` triggers do for this table's writes in a session in this state:
    /// `forward` (legacy table → consolidated column), `reverse` (consolidated column → legacy
    /// table) or nothing.
    public var syncDirection: String? {
        switch mode {
        case .dualWrite, .shadow: "forward"
        case .rewrite: reverseDualWrite ? "reverse" : nil
        case .passthrough, .block: nil
        }
    }

    public var description: String {
        mode == .rewrite && reverseDualWrite ? "rewrite+reverse-dual-write" : mode.rawValue
    }
}
