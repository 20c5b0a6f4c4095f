/// `[cutover.shadow]`: how the shadow comparer reaches the server. It connects to the same
/// upstream as the sessions (address, sslmode), to each client's database, as its own role.
public struct ShadowSettings: Hashable, Sendable {
    /// The role the comparer logs in as; it needs SELECT on the legacy and consolidated tables.
    public var user: String
    /// From `password`, or the first line of `password_file`; nil when the server trusts the role.
    public var password: String?
    /// Comparisons running at once; also the connections per database.
    public var maximumConcurrent = 4
    /// Comparisons waiting or running; a read submitted past it is recorded as skipped.
    public var queueCapacity = 1024
    /// `statement_timeout` of the comparer's connections: a slow comparison becomes an error
    /// verdict instead of holding a connection.
    public var statementTimeoutMilliseconds = 5000

    public init(user: String, password: String? = nil) {
        self.user = user
        self.password = password
    }
}
