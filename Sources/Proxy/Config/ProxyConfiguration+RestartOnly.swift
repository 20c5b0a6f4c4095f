extension ProxyConfiguration {
    /// Settings a running proxy cannot change: sockets, threads, the TLS file paths (the files
    /// themselves are read again on every reload), the server address, the mapping the rewriter was built with, the audit sink. A reload that changes
    /// them keeps the running values and names them (`restartOnlyChanges`).
    public func restartOnlyChanges(comparedWith running: ProxyConfiguration) -> [String] {
        var changed: [String] = []
        func check<Value: Equatable>(_ name: String, _ path: KeyPath<ProxyConfiguration, Value>) {
            if self[keyPath: path] != running[keyPath: path] { changed.append(name) }
        }
        check("server.listen", \.listen)
        check("server.threads", \.threads)
        check("server.shutdown_timeout_seconds", \.shutdownTimeoutSeconds)
        check("server.max_message_bytes", \.maximumMessageLength)
        check("server.tls.cert", \.tlsCertificatePath)
        check("server.tls.key", \.tlsKeyPath)
        check("upstream.address", \.upstream)
        check("upstream.sslmode", \.upstreamSSLMode)
        check("upstream.sslrootcert", \.upstreamSSLRootCertificatePath)
        check("upstream.sslservername", \.upstreamSSLServerName)
        check("upstream.connect_timeout_seconds", \.upstreamConnectTimeoutSeconds)
        check("cutover.mapping", \.mappingPath)
        check("cutover.rewrite_cache_size", \.rewriteCacheSize)
        check("cutover.allow_truncate", \.allowTruncate)
        check("audit.log", \.auditLog)
        check("audit.literals", \.auditLiterals)
        check("audit.queue_capacity", \.auditQueueCapacity)
        check("log.level", \.logLevel)
        check("metrics", \.metrics)
        check("cutover.shadow", \.shadow)
        return changed
    }

    /// This configuration with every restart-only setting as `running` has it.
    public func keepingRestartOnlySettings(of running: ProxyConfiguration) -> ProxyConfiguration {
        var kept = running
        kept.cutover = cutover
        // New sessions of the admin console check the new users and password.
        kept.admin = admin
        kept.auditAllStatements = auditAllStatements
        // Limits and socket options are taken by each session when it is accepted: new
        // sessions get the new values, running ones keep theirs.
        kept.clientTLSMode = clientTLSMode
        kept.loginTimeoutSeconds = loginTimeoutSeconds
        kept.clientIdleTimeoutSeconds = clientIdleTimeoutSeconds
        kept.maxClientConnections = maxClientConnections
        kept.clientKeepalive = clientKeepalive
        kept.upstreamResponseTimeoutSeconds = upstreamResponseTimeoutSeconds
        kept.upstreamKeepalive = upstreamKeepalive
        kept.upstreamTCPUserTimeoutMilliseconds = upstreamTCPUserTimeoutMilliseconds
        return kept
    }
}
