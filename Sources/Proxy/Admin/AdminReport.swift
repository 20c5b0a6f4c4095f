import Foundation

/// The result of each SHOW command, computed from what the console reads; no I/O.
enum AdminReport {
    static func sessions(_ source: some AdminConsoleSource) -> AdminResultSet {
        let policy = source.configurationStore.current.configuration.cutover
        let tables = source.legacyTableNames
        var result = AdminResultSet(columns: [
            "id", "client_address", "user", "database", "application_name", "state", "modes", "connected_since",
        ])
        for status in source.sessionStatuses {
            var modes: String?
            if status.state != .admin, let user = status.user {
                let identity = ClientIdentity(
                    applicationName: status.applicationName ?? "", user: user, database: status.database ?? user,
                    address: status.clientIPAddress)
                modes = describe(policy.modes(for: identity, tables: tables), tables: tables)
            }
            result.rows.append([
                "\(status.id)", status.clientAddress, status.user, status.database, status.applicationName,
                status.state.rawValue, modes, RFC3339.format(status.connectedAt),
            ])
        }
        return result
    }

    static func statistics(_ source: some AdminConsoleSource) -> AdminResultSet {
        let snapshot = source.statisticsSnapshot
        let sessions = source.sessionStatuses
        var result = AdminResultSet(columns: ["statistic", "table", "mode", "action", "value"])
        let uptime = Int(Date().timeIntervalSince(snapshot.startedAt))
        result.rows.append(["uptime_seconds", nil, nil, nil, "\(uptime)"])
        result.rows.append(["sessions", nil, nil, nil, "\(sessions.filter { $0.state != .admin }.count)"])
        result.rows.append(["admin_sessions", nil, nil, nil, "\(sessions.filter { $0.state == .admin }.count)"])
        for (key, count) in snapshot.statements.sorted(by: { $0.key < $1.key }) {
            result.rows.append(["statements", key.table, key.mode, key.action, "\(count)"])
        }
        for (verdict, count) in snapshot.shadowComparisons.sorted(by: { $0.key < $1.key }) {
            result.rows.append(["shadow_comparisons", nil, nil, verdict, "\(count)"])
        }
        return result
    }

    /// "off", or the three keepalive parameters as `idle/interval/count` seconds.
    private static func describe(_ keepalive: TCPKeepalive?) -> String {
        guard let keepalive else { return "off" }
        return "on (idle \(keepalive.idleSeconds) s, interval \(keepalive.intervalSeconds) s, count \(keepalive.count))"
    }

    static func configuration(_ snapshot: ConfigurationStore.Snapshot) -> AdminResultSet {
        let c = snapshot.configuration
        var rows: [(String, String?)] = [
            ("generation", "\(snapshot.generation)"),
            ("loaded_at", RFC3339.format(snapshot.loadedAt)),
            ("server.listen", c.listen.description),
            ("server.threads", "\(c.threads)"),
            ("server.shutdown_timeout_seconds", "\(c.shutdownTimeoutSeconds)"),
            ("server.max_message_bytes", "\(c.maximumMessageLength)"),
            ("server.tls.cert", c.tlsCertificatePath),
            ("server.tls.key", c.tlsKeyPath),
            ("server.tls.mode", c.clientTLSMode.rawValue),
            ("server.login_timeout_seconds", "\(c.loginTimeoutSeconds)"),
            ("server.client_idle_timeout_seconds", "\(c.clientIdleTimeoutSeconds)"),
            ("server.max_client_connections", "\(c.maxClientConnections)"),
            ("server.tcp_keepalive", Self.describe(c.clientKeepalive)),
            ("upstream.address", c.upstream.description),
            ("upstream.sslmode", c.upstreamSSLMode.rawValue),
            ("upstream.sslrootcert", c.upstreamSSLRootCertificatePath),
            ("upstream.sslservername", c.upstreamSSLServerName),
            ("upstream.connect_timeout_seconds", "\(c.upstreamConnectTimeoutSeconds)"),
            ("upstream.response_timeout_seconds", "\(c.upstreamResponseTimeoutSeconds)"),
            ("upstream.tcp_keepalive", Self.describe(c.upstreamKeepalive)),
            ("upstream.tcp_user_timeout_ms", "\(c.upstreamTCPUserTimeoutMilliseconds)"),
            ("cutover.mode", c.cutover.defaultTable.description),
            ("cutover.block_hint", c.blockHint),
            ("cutover.mapping", c.mappingPath),
            ("cutover.rewrite_cache_size", "\(c.rewriteCacheSize)"),
            ("cutover.rules", "\(c.cutover.rules.count)"),
            ("audit.log", c.auditLog),
            ("audit.literals", "\(c.auditLiterals)"),
            ("audit.queue_capacity", "\(c.auditQueueCapacity)"),
            ("log.level", c.logLevel.rawValue),
        ]
        for table in c.cutover.tables.keys.sorted() {
            rows.append(("cutover.tables.\(table).mode", c.cutover.tables[table]!.description))
        }
        if let admin = c.admin {
            rows.append(("admin.users", admin.users.joined(separator: ", ")))
            rows.append(("admin.password", masked))
            rows.append(("admin.allowed_addresses", admin.allowedAddresses.map(\.description).joined(separator: ", ")))
        }
        if let shadow = c.shadow {
            rows.append(("cutover.shadow.user", shadow.user))
            rows.append(("cutover.shadow.password", shadow.password == nil ? nil : masked))
            rows.append(("cutover.shadow.max_concurrent", "\(shadow.maximumConcurrent)"))
            rows.append(("cutover.shadow.queue_capacity", "\(shadow.queueCapacity)"))
            rows.append(("cutover.shadow.statement_timeout_ms", "\(shadow.statementTimeoutMilliseconds)"))
        }
        rows.append(("metrics.listen", c.metrics?.listen.description))
        return AdminResultSet(columns: ["key", "value"], rows: rows.map { [$0.0, $0.1] })
    }

    /// What a secret shows as: that it is set, never any part of it.
    static let masked = "********"

    static func rules(_ source: some AdminConsoleSource) -> AdminResultSet {
        let policy = source.configurationStore.current.configuration.cutover
        var result = AdminResultSet(columns: ["rule", "match", "table", "mode"])
        for table in source.legacyTableNames {
            result.rows.append(["(default)", "*", table, policy.defaultState(of: table).description])
        }
        for rule in policy.rules {
            for table in rule.tables.keys.sorted() {
                result.rows.append([rule.name, describe(rule.match), table, rule.tables[table]!.description])
            }
        }
        return result
    }

    static var help: AdminResultSet {
        AdminResultSet(columns: ["command", "description"], rows: AdminCommand.allCases.map { [$0.rawValue, $0.summary] })
    }

    static func describe(_ modes: SessionModes, tables: [String]) -> String {
        tables.map { "\($0)=\(modes[$0].description)" }.joined(separator: ", ")
    }

    static func describe(_ match: ClientMatch) -> String {
        var parts: [String] = []
        if let name = match.applicationName { parts.append("application_name=\(name)") }
        if let user = match.user { parts.append("user=\(user)") }
        if let database = match.database { parts.append("database=\(database)") }
        if let address = match.clientAddress { parts.append("client_address=\(address)") }
        return parts.isEmpty ? "*" : parts.joined(separator: " ")
    }
}
