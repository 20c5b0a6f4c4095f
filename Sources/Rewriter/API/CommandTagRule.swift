/// How the proxy produces the command tag the legacy client expects for a rewritten statement.
public enum CommandTagRule: Sendable, Equatable {
    /// The server's own tag is already right (reads: `SELECT n`, `COPY n`).
    case fromServer
    /// A write without RETURNING: the server answers one row with one `bigint` column holding the
    /// number of legacy rows written. The proxy drops that RowDescription and DataRow and sends
    /// the legacy tag instead (`INSERT 0 n`, `UPDATE n`, `DELETE n`).
    case countFromResult(LegacyVerb)
    /// A write with RETURNING: forward the rows; replace the server's `SELECT n` by the legacy tag
    /// with the same n.
    case renameSelect(LegacyVerb)
    /// The server's tag (e.g. `UPDATE n` for an emptied fold) is replaced by this one
    /// (`TRUNCATE TABLE`).
    case fixed(String)

    public enum LegacyVerb: String, Sendable, Equatable {
        case insert = "INSERT"
        case update = "UPDATE"
        case delete = "DELETE"

        /// The tag a legacy write of `count` rows produced (INSERT carries the historical OID 0).
        public func tag(count: Int) -> String {
            self == .insert ? "INSERT 0 \(count)" : "\(rawValue) \(count)"
        }
    }
}
