import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import PostgresNIO
import Rewriter
import ServiceLifecycle

/// Compares, off the client's path, what a shadowed read returned with what its rewrite returns.
///
/// Sessions hand over a finished read with `submit`, which never blocks and never fails: past
/// `queue_capacity` waiting comparisons, without credentials, or for a statement that cannot be
/// compared, the record is written at once with verdict `skipped` and the reason. Otherwise one
/// `ShadowComparison` statement runs on a connection pool of the client's database (at most
/// `max_concurrent` at a time) and the record is written with its verdict.
///
/// `run()` works the queue until `shutdown()`; then comparisons already running finish, the
/// ones still waiting are recorded as skipped, and `run()` returns when every record is written.
public final class ShadowComparer: Service, Sendable {
    public let settings: ShadowSettings?
    private let rewriter: Rewriter
    private let upstream: UpstreamEndpoint
    private let tls: TLSConfiguration?
    private let audit: AuditLog?
    private let auditLiterals: Bool
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    /// Told each verdict's word once, when its record is written.
    private let countVerdict: @Sendable (String) -> Void
    private let state = NIOLockedValueBox(State())
    private let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation

    struct Job: Sendable {
        var record: AuditRecord
        var input: ShadowInput
        var database: String?
    }

    private struct State {
        /// Comparisons submitted and not yet recorded.
        var pending = 0
        var accepting = true
        var clients: [String: Pool] = [:]
    }

    private struct Pool {
        var client: PostgresClient
        var running: Task<Void, Never>
    }

    /// The comparison statement itself is bounded by the server's statement_timeout; this bounds
    /// the wait for a connection too (a pool keeps retrying a server that refuses it).
    private var deadline: Duration {
        .seconds(upstream.connectTimeoutSeconds) + .milliseconds(settings?.statementTimeoutMilliseconds ?? 0)
    }

    public init(
        settings: ShadowSettings?, rewriter: Rewriter, upstream: UpstreamEndpoint,
        upstreamRootCertificatePath: String? = nil, audit: AuditLog?, auditLiterals: Bool = false,
        eventLoopGroup: any EventLoopGroup, logger: Logger,
        countVerdict: @escaping @Sendable (String) -> Void = { ShadowComparer.countInMetrics($0) }
    ) {
        self.countVerdict = countVerdict
        self.settings = settings
        self.rewriter = rewriter
        self.upstream = upstream
        self.tls = TLSContextFactory.upstreamConfiguration(
            mode: upstream.sslMode, rootCertificatePath: upstreamRootCertificatePath)
        self.audit = audit
        self.auditLiterals = auditLiterals
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        (jobs, queue) = AsyncStream.makeStream(of: Job.self)
    }

    /// The default count of a verdict: `pgcutover_shadow_comparisons_total{verdict}` in
    /// swift-metrics, with the factory the process bootstrapped (looked up at each count, since
    /// it may be bootstrapped after the comparer is made).
    public static func countInMetrics(_ verdict: String, factory: any MetricsFactory = MetricsSystem.factory) {
        Counter(label: "pgcutover_shadow_comparisons_total", dimensions: [("verdict", verdict)], factory: factory).increment()
    }

    /// Comparisons submitted and not yet recorded.
    public var pending: Int { state.withLockedValue { $0.pending } }

    /// Takes a finished read for comparison. Never blocks, never throws: whatever happens to the
    /// comparison, the client already has its answer.
    public func submit(record: AuditRecord, input: ShadowInput, database: String?) {
        guard let settings else {
            recordNow(record, input, .skipped(reason: "no shadow credentials: [cutover.shadow] is not configured"))
            return
        }
        let admitted: String? = state.withLockedValue { state in
            guard state.accepting else { return "the proxy is shutting down" }
            guard state.pending < settings.queueCapacity else {
                return "shadow queue full (\(settings.queueCapacity) comparisons waiting or running)"
            }
            state.pending += 1
            return nil
        }
        if let refusal = admitted {
            recordNow(record, input, .skipped(reason: refusal))
            return
        }
        if case .terminated = queue.yield(Job(record: record, input: input, database: database)) {
            state.withLockedValue { $0.pending -= 1 }
            recordNow(record, input, .skipped(reason: "the proxy is shutting down"))
        }
    }

    public func run() async {
        await withGracefulShutdownHandler {
            await work()
        } onGracefulShutdown: {
            self.shutdown()
        }
    }

    /// Stops taking comparisons; `run()` returns once the ones taken are recorded.
    public func shutdown() {
        state.withLockedValue { $0.accepting = false }
        queue.finish()
    }

    private func work() async {
        let limit = settings?.maximumConcurrent ?? 1
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await job in jobs {
                if running >= limit {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.compare(job) }
                running += 1
            }
        }
        let pools = state.withLockedValue { state in
            defer { state.clients = [:] }
            return Array(state.clients.values)
        }
        for pool in pools {
            pool.running.cancel()
            await pool.running.value
        }
    }

    private func compare(_ job: Job) async {
        defer { state.withLockedValue { $0.pending -= 1 } }
        if !state.withLockedValue({ $0.accepting }) {
            await record(job, .skipped(reason: "the proxy shut down before the comparison ran"), rewritten: nil)
            return
        }
        let comparison: ShadowComparison
        do {
            comparison = try rewriter.shadowComparison(job.input.sql)
        } catch {
            await record(job, .skipped(reason: "not comparable: \(error)"), rewritten: nil)
            return
        }
        guard let database = job.database else {
            await record(job, .skipped(reason: "the session has no database"), rewritten: comparison.rewrittenSQL)
            return
        }
        let client: PostgresClient
        switch await pool(for: database) {
        case .success(let pool):
            client = pool
        case .failure(let refusal):
            await record(job, refusal.verdict, rewritten: comparison.rewrittenSQL)
            return
        }
        var verdict: AuditRecord.ShadowVerdict
        do {
            verdict = try await execute(comparison, bindings: job.input.bindings, on: client).verdict
        } catch {
            verdict = Self.errorVerdict(error)
            // A pool retries a server that refuses it instead of failing the wait: ask once
            // directly, so the record says why (a changed password, a dropped database).
            if error is ComparisonTimeout, let refusal = await probe(database) { verdict = refusal }
        }
        await record(job, verdict, rewritten: comparison.rewrittenSQL)
    }

    private func execute(_ comparison: ShadowComparison, bindings: PostgresBindings, on client: PostgresClient) async throws -> ShadowResult {
        let query = PostgresQuery(unsafeSQL: comparison.sql, binds: bindings)
        let deadline = self.deadline
        return try await withThrowingTaskGroup(of: ShadowResult?.self) { group in
            group.addTask {
                let rows = try await client.query(query)
                for try await row in rows {
                    let (legacyRows, rewrittenRows, matched, legacyRow, rewrittenRow) =
                        try row.decode((Int64, Int64, Bool, String?, String?).self)
                    return ShadowResult(
                        legacyRows: legacyRows, rewrittenRows: rewrittenRows, matched: matched,
                        legacyRow: legacyRow, rewrittenRow: rewrittenRow)
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw ComparisonTimeout(deadline: deadline)
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() ?? nil else {
                throw ComparisonTimeout(deadline: deadline)
            }
            return result
        }
    }

    private struct ComparisonTimeout: Error {
        let deadline: Duration
    }

    private static func errorVerdict(_ error: any Error) -> AuditRecord.ShadowVerdict {
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let sqlState = info[.sqlState] {
                return .error(sqlState: sqlState, message: info[.message] ?? "")
            }
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            return .error(sqlState: "08006", message: "shadow connection failed (\(error.code))\(underlying)")
        }
        if let timeout = error as? ComparisonTimeout {
            return .error(sqlState: "57014", message: "no answer within \(timeout.deadline)")
        }
        return .error(sqlState: "XX000", message: "\(error)")
    }

    private struct PoolRefusal: Error {
        let verdict: AuditRecord.ShadowVerdict
    }

    /// The pool of `database`, started on first use once a direct connection has shown that the
    /// server takes the credentials: a pool would keep retrying instead of saying no.
    private func pool(for database: String) async -> Result<PostgresClient, PoolRefusal> {
        if let pool = state.withLockedValue({ $0.clients[database]?.client }) { return .success(pool) }
        if let refusal = await probe(database) { return .failure(PoolRefusal(verdict: refusal)) }
        guard let settings else {
            return .failure(PoolRefusal(verdict: .skipped(reason: "no shadow credentials: [cutover.shadow] is not configured")))
        }
        return state.withLockedValue { state -> Result<PostgresClient, PoolRefusal> in
            if let pool = state.clients[database] { return .success(pool.client) }
            guard state.accepting else {
                return .failure(PoolRefusal(verdict: .skipped(reason: "the proxy shut down before the comparison ran")))
            }
            var configuration = PostgresClient.Configuration(
                host: upstream.address.host, port: upstream.address.port, username: settings.user,
                password: settings.password, database: database, tls: tlsMode)
            configuration.options.tlsServerName = upstream.sniName
            configuration.options.connectTimeout = .seconds(upstream.connectTimeoutSeconds)
            configuration.options.maximumConnections = settings.maximumConcurrent
            configuration.options.additionalStartupParameters = startupParameters(settings)
            let client = PostgresClient(configuration: configuration, eventLoopGroup: eventLoopGroup, backgroundLogger: logger)
            // Detached: a task would inherit the caller's graceful-shutdown handler, and the pool
            // would close when the proxy starts to drain, before the last comparisons ran.
            state.clients[database] = Pool(client: client, running: Task.detached { await client.run() })
            return .success(client)
        }
    }

    /// Connects once, directly, as the pool would; nil when the server accepts, else the error verdict.
    private func probe(_ database: String) async -> AuditRecord.ShadowVerdict? {
        guard let settings else { return nil }
        let tls: PostgresConnection.Configuration.TLS
        switch (upstream.tlsContext, upstream.sslMode.requiresTLS) {
        case (nil, _): tls = .disable
        case (let context?, true): tls = .require(context)
        case (let context?, false): tls = .prefer(context)
        }
        var configuration = PostgresConnection.Configuration(
            host: upstream.address.host, port: upstream.address.port, username: settings.user,
            password: settings.password, database: database, tls: tls)
        configuration.options.tlsServerName = upstream.sniName
        configuration.options.connectTimeout = .seconds(upstream.connectTimeoutSeconds)
        configuration.options.additionalStartupParameters = startupParameters(settings)
        do {
            let connection = try await PostgresConnection.connect(
                on: eventLoopGroup.any(), configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return Self.errorVerdict(error)
        }
    }

    private func startupParameters(_ settings: ShadowSettings) -> [(String, String)] {
        [
            ("application_name", "pgcutover-shadow"),
            ("statement_timeout", "\(settings.statementTimeoutMilliseconds)"),
            // The comparison only reads; a session that cannot write keeps it that way.
            ("default_transaction_read_only", "on"),
        ]
    }

    private var tlsMode: PostgresClient.Configuration.TLS {
        guard let tls else { return .disable }
        return upstream.sslMode.requiresTLS ? .require(tls) : .prefer(tls)
    }

    private func record(_ job: Job, _ verdict: AuditRecord.ShadowVerdict, rewritten: String?) async {
        let (record, source) = prepared(job.record, job.input, verdict, rewritten: rewritten)
        await audit?.submit(record, source: source)
    }

    /// For submissions turned away on the session's event loop: the record is queued without
    /// waiting for room (the audit log takes it regardless), so the session never pauses for it.
    private func recordNow(_ record: AuditRecord, _ input: ShadowInput, _ verdict: AuditRecord.ShadowVerdict) {
        let (record, source) = prepared(record, input, verdict, rewritten: nil)
        _ = audit?.submit(record, source: source, eventLoop: eventLoopGroup.any())
    }

    private func prepared(
        _ record: AuditRecord, _ input: ShadowInput, _ verdict: AuditRecord.ShadowVerdict, rewritten: String?
    ) -> (AuditRecord, AuditStatementSource?) {
        var record = record
        record.action = .shadowed
        record.shadowVerdict = verdict
        countVerdict(verdict.word)
        switch verdict {
        case .match:
            break
        case .mismatch(let summary):
            logger.warning("shadow mismatch", metadata: ["session_id": "\(record.sessionID)", "summary": "\(summary)"])
        case .error(let sqlState, let message):
            logger.notice("shadow comparison failed", metadata: ["sqlstate": "\(sqlState)", "message": "\(message)"])
        case .skipped(let reason):
            logger.debug("shadow comparison skipped", metadata: ["reason": "\(reason)"])
        }
        // The session leaves the statement's identity to the audit writer; so does the comparer.
        guard record.statement == nil, record.fingerprint == nil else { return (record, nil) }
        return (record, AuditStatementSource(sql: input.sql, rewrittenSQL: rewritten, includeLiterals: auditLiterals))
    }
}
