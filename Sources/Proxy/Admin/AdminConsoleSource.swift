/// What the admin console reads and acts on: the live proxy in production (`SessionEnvironment`),
/// plain values in tests.
public protocol AdminConsoleSource: Sendable {
    var configurationStore: ConfigurationStore { get }
    var sessionStatuses: [SessionStatus] { get }
    var statisticsSnapshot: ProxyStatistics.Snapshot { get }
    /// The legacy tables whose modes SHOW SESSIONS and SHOW RULES list.
    var legacyTableNames: [String] { get }
}

extension SessionEnvironment: AdminConsoleSource {
    public var sessionStatuses: [SessionStatus] { sessions.statusList }
    public var statisticsSnapshot: ProxyStatistics.Snapshot { statistics.snapshot }

    public var legacyTableNames: [String] {
        if let router { return router.rewriter.mapping.tables.map(\.name).sorted() }
        // Without a mapping loaded (pass-through, no audit) the configuration names the tables.
        let policy = configurationStore.current.configuration.cutover
        var names = Set(policy.tables.keys)
        for rule in policy.rules { names.formUnion(rule.tables.keys) }
        return names.isEmpty ? Self.knownLegacyTables : names.sorted()
    }

    /// The two tables folded into `coordizer_vocabulary`, as config/mapping.toml names them.
    static let knownLegacyTables = ["basin_relationships", "god_vocabulary_profiles"]
}
