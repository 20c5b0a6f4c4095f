import Rewriter

/// The `[cutover]` section of the config file: the default state of every legacy table, per-table
/// sections and the client rules. `[cutover.shadow]` belongs to the shadow comparer and is read
/// elsewhere.
enum CutoverSection {
    static func read(_ cutover: inout TableReader, into configuration: inout ProxyConfiguration) throws(ConfigurationError) {
        var policy = configuration.cutover
        if let mode = try mode(&cutover, "mode") {
            policy.defaultTable.mode = mode
        }
        if let reverse = try cutover.bool("reverse_dual_write") {
            policy.defaultTable.reverseDualWrite = reverse
        }
        configuration.mappingPath = try cutover.string("mapping") ?? configuration.mappingPath
        policy.blockHint = try cutover.string("block_hint") ?? policy.blockHint
        if let value = try cutover.int("rewrite_cache_size", range: 1...10_000_000) {
            configuration.rewriteCacheSize = value
        }
        configuration.allowTruncate = try cutover.bool("allow_truncate") ?? configuration.allowTruncate
        let knownTables = Self.knownTables(mappingPath: configuration.mappingPath)
        let defaultTable = policy.defaultTable
        try cutover.namedEntries("tables") { name, value, tables throws(ConfigurationError) in
            try check(name, in: knownTables, tables)
            var table = try tables.entry(name, value)
            var state = policy.tables[name] ?? defaultTable
            if let mode = try mode(&table, "mode") { state.mode = mode }
            if let reverse = try table.bool("reverse_dual_write") { state.reverseDualWrite = reverse }
            try table.finish()
            policy.tables[name] = state
        }
        var rules: [CutoverRule] = []
        try cutover.arrayOfTables("rules") { rule throws(ConfigurationError) in
            let parsed = try readRule(&rule, policy: policy, knownTables: knownTables, earlier: rules)
            rules.append(parsed)
        }
        if cutover.table["rules"] != nil { policy.rules = rules }
        try cutover.section("shadow") { shadow throws(ConfigurationError) in
            configuration.shadow = try ShadowSettings.read(from: &shadow, base: configuration.shadow)
        }
        try cutover.finish()
        configuration.cutover = policy
    }

    private static func readRule(
        _ rule: inout TableReader, policy: CutoverPolicy, knownTables: Set<String>?, earlier: [CutoverRule]
    ) throws(ConfigurationError) -> CutoverRule {
        guard let name = try rule.string("name"), !name.isEmpty else {
            throw rule.error("name", "every rule needs a name (it appears in the audit and the admin console)")
        }
        guard !earlier.contains(where: { $0.name == name }) else {
            throw rule.error("name", "another rule is already named \"\(name)\"")
        }
        var match = ClientMatch()
        match.applicationName = try rule.string("application_name")
        match.user = try rule.string("user")
        match.database = try rule.string("database")
        if let text = try rule.string("client_address") {
            guard let cidr = CIDR(text) else {
                throw rule.error("client_address", "must be an address or a CIDR block such as 10.0.0.0/8, not \"\(text)\"")
            }
            match.clientAddress = cidr
        }
        let reverse = try rule.bool("reverse_dual_write")
        let everyMode = try mode(&rule, "mode")
        var tables: [String: TableCutover] = [:]
        try rule.namedEntries("tables") { table, value, entries throws(ConfigurationError) in
            try check(table, in: knownTables, entries)
            guard let text = value.string else { throw entries.error(table, "must be a mode (a string)") }
            guard let mode = CutoverMode(rawValue: text) else { throw entries.error(table, modeProblem(text)) }
            tables[table] = TableCutover(mode: mode, reverseDualWrite: reverse ?? policy.defaultState(of: table).reverseDualWrite)
        }
        switch (everyMode, tables.isEmpty) {
        case (nil, true):
            throw rule.error("mode", "rule \"\(name)\" sets no mode: give mode = \"…\" (every legacy table) or tables = { NAME = \"…\" }")
        case (.some, false):
            throw rule.error("tables", "rule \"\(name)\" sets both mode and tables: keep one")
        default:
            break
        }
        try rule.finish()
        return CutoverRule(
            name: name, match: match, tables: tables,
            everyTable: everyMode.map { TableCutover(mode: $0, reverseDualWrite: reverse ?? policy.defaultTable.reverseDualWrite) })
    }

    private static func mode(_ reader: inout TableReader, _ key: String) throws(ConfigurationError) -> CutoverMode? {
        guard let value = try reader.string(key) else { return nil }
        guard let mode = CutoverMode(rawValue: value) else { throw reader.error(key, modeProblem(value)) }
        return mode
    }

    private static func modeProblem(_ value: String) -> String {
        "must be one of \(CutoverMode.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(value)\""
    }

    /// A misspelt table name would leave the table at its default without a word; when the
    /// mapping can be read, names it does not know are errors.
    private static func check(_ name: String, in known: Set<String>?, _ reader: TableReader) throws(ConfigurationError) {
        guard let known, !known.contains(name) else { return }
        throw reader.error(name, "not a legacy table of the mapping (\(known.sorted().joined(separator: ", ")))")
    }

    /// The legacy tables of the mapping, nil when the mapping cannot be read here (the proxy
    /// refuses to start without it anyway).
    private static func knownTables(mappingPath: String) -> Set<String>? {
        guard let mapping = try? Rewriter.loadMapping(path: mappingPath) else { return nil }
        return Set(mapping.tables.map(\.name))
    }
}
