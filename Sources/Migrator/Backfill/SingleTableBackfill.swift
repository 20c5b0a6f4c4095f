import PostgresNIO

/// Moves `god_vocabulary_profiles` and `basin_relationships` into `coordizer_vocabulary.god_profile`
/// and `.relationships`, online and resumably.
///
/// Main pass: token-id ranges in ascending order, one short transaction per range; the transaction also
/// advances the progress row, so after a kill the next run starts at the first range not committed.
/// Every batch recomputes its tokens' JSON from the legacy tables as they are at that moment, and writes
/// only rows whose JSON differs, so reruns write nothing. Catch-up passes then find tokens whose legacy
/// rows changed after their batch ran (a set comparison over the whole table) and recompute those.
/// See docs/migrator.md for what this guarantees under concurrent writes.
public struct SingleTableBackfill: Sendable {
    public static let name = "single-table-generation"

    let database: Database
    let options: BackfillOptions
    let report: @Sendable (BackfillEvent) -> Void

    public init(database: Database, options: BackfillOptions, report: @escaping @Sendable (BackfillEvent) -> Void) {
        self.database = database
        self.options = options
        self.report = report
    }

    /// Main pass, then catch-up: what `up` runs when the migration's steps are already applied.
    public func run() async throws -> BackfillSummary {
        var summary = try await runMainPass()
        if !summary.interrupted && !summary.alreadyComplete { try await finish(&summary) }
        return summary
    }

    /// Catch-up passes and the cap report. `up` runs them after the migration's remaining steps (the
    /// index builds), so writes made while the indexes were built are caught as well.
    public func finish(_ summary: inout BackfillSummary) async throws {
        let catchUpStart = ContinuousClock.now
        try await catchUp(&summary)
        summary.catchUpTime = catchUpStart.duration(to: .now)
        try await describeCap(&summary)
    }

    /// Creates missing tokens and runs (or resumes) the batched main pass.
    public func runMainPass() async throws -> BackfillSummary {
        var summary = BackfillSummary()
        for statement in BackfillSQL.createTables { try await database.execute(statement) }
        try await database.execute("SET lock_timeout = 0")
        if try await completedEarlier(), !options.repair {
            summary.alreadyComplete = true
            return summary
        }
        let mainPassStart = ContinuousClock.now
        // Tokens are created before the pass's id range is fixed, so the pass covers them.
        let created = try await handleMissingTokens()
        var state = try await loadOrStartState()
        try await recordCreated(created)
        summary.tokensCreated += created
        let total = max(0, state.end - state.start)
        while state.next < state.end {
            if let limit = options.maxBatches, summary.batches >= limit {
                summary.interrupted = true
                return summary
            }
            let low = state.next
            let high = min(state.end, low + options.batchSize)
            let (_, updated, _) = try await database.transaction {
                let result = try await runBatch(range: low..<high)
                try await database.query("""
                    UPDATE pgcutover_backfill SET next_id = \(high), batches = batches + 1,
                        rows_updated = rows_updated + \(result.updated), updated_at = now()
                    WHERE name = \(Self.name)
                    """)
                return result
            }
            summary.batches += 1
            summary.rowsUpdated += updated
            state.next = high
            report(.progress(done: high - state.start, total: total, updated: summary.rowsUpdated))
        }
        try await database.query("""
            UPDATE pgcutover_backfill SET main_pass_done_at = coalesce(main_pass_done_at, now()) WHERE name = \(Self.name)
            """)

        summary.mainPassTime = mainPassStart.duration(to: .now)
        return summary
    }

    // MARK: passes

    private func runBatch(range: Range<Int>) async throws -> (targets: Int, updated: Int, capped: Int) {
        let (target, cap) = BackfillSQL.rangeTarget
        var binds = PostgresBindings()
        binds.append(range.lowerBound)
        binds.append(range.upperBound)
        try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.lock(target), binds: binds))
        binds.append(options.relationshipsCap)
        return try await counts(PostgresQuery(unsafeSQL: BackfillSQL.batch(target, cap: cap, capped: options.relationshipsCap != nil), binds: binds))
    }

    private func runBatch(ids: [Int32]) async throws -> (targets: Int, updated: Int, capped: Int) {
        let (target, cap) = BackfillSQL.listTarget
        var binds = PostgresBindings()
        binds.append(ids)
        try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.lock(target), binds: binds))
        binds.append(options.relationshipsCap)
        return try await counts(PostgresQuery(unsafeSQL: BackfillSQL.batch(target, cap: cap, capped: options.relationshipsCap != nil), binds: binds))
    }

    private func counts(_ query: PostgresQuery) async throws -> (targets: Int, updated: Int, capped: Int) {
        for try await row in try await database.query(query).decode((Int, Int, Int).self) { return row }
        return (0, 0, 0)
    }

    /// Legacy rows written behind the main pass (directly, not through the proxy's dual-write) leave
    /// their token's JSON stale; find such tokens by comparison and recompute them, until a pass finds
    /// none or the pass budget is spent.
    private func catchUp(_ summary: inout BackfillSummary) async throws {
        for pass in 1...max(1, options.catchUpPasses) {
            let created = try await handleMissingTokens()
            try await recordCreated(created)
            summary.tokensCreated += created
            let stale = try await outOfStep()
            summary.stillChanging = stale.count
            guard !stale.isEmpty else { return }
            summary.catchUpPasses = pass
            report(.message("catch-up pass \(pass): \(stale.count) token(s) changed behind the main pass; recomputing"))
            var start = 0
            while start < stale.count {
                let chunk = Array(stale[start..<min(stale.count, start + options.batchSize)])
                let (_, updated, _) = try await database.transaction { try await runBatch(ids: chunk) }
                summary.catchUpRows += updated
                start += chunk.count
            }
        }
        // The budget is spent and the last pass still found changes: writes keep arriving behind it.
        // (No further comparison: it would only measure the writers' rate.)
    }

    private func outOfStep() async throws -> [Int32] {
        var binds = PostgresBindings()
        binds.append(options.relationshipsCap)
        var ids: [Int32] = []
        for try await id in try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.outOfStep(capped: options.relationshipsCap != nil), binds: binds))
            .decode(Int32.self) { ids.append(id) }
        return ids
    }

    /// Returns the number of token rows created.
    private func handleMissingTokens() async throws -> Int {
        switch options.onMissingToken {
        case .fail:
            for try await (count, examples) in try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.missingTokens))
                .decode((Int, [String]).self) where count > 0 {
                throw MigratorError(
                    sqlState: "23503",
                    message: "\(count) legacy word(s) have no coordizer_vocabulary row; stopping (--on-missing-token fail)",
                    detail: "first: " + examples.map { "'\($0)'" }.joined(separator: ", "),
                    hint: "add token rows for them, or rerun with --on-missing-token create to keep them as inactive tokens")
            }
            return 0
        case .create:
            let created = try await database.scalarInt(PostgresQuery(unsafeSQL: BackfillSQL.createMissingTokens)) ?? 0
            if created > 0 {
                report(.message("created \(created) inactive token row(s) for legacy words with no vocabulary row"))
            }
            return created
        }
    }

    private func completedEarlier() async throws -> Bool {
        try await database.scalarInt("""
            SELECT count(*)::int8 FROM pgcutover_backfill
            WHERE name = \(Self.name) AND main_pass_done_at IS NOT NULL
              AND relationships_cap IS NOT DISTINCT FROM \(options.relationshipsCap)::int4
              AND on_missing_token = \(options.onMissingToken.rawValue)
            """) == 1
    }

    private func recordCreated(_ count: Int) async throws {
        guard count > 0 else { return }
        try await database.query("""
            UPDATE pgcutover_backfill SET tokens_created = tokens_created + \(count) WHERE name = \(Self.name)
            """)
    }

    private struct State { var start: Int; var next: Int; var end: Int }

    /// Resumes the recorded run when its options match; otherwise (first run, or the cap or missing-token
    /// policy changed) starts a main pass over every token that exists now.
    private func loadOrStartState() async throws -> State {
        let rows = try await database.query("""
            SELECT relationships_cap::int8, on_missing_token, next_id, end_id,
                   (SELECT coalesce(min(id), 0)::int8 FROM coordizer_vocabulary)
            FROM pgcutover_backfill WHERE name = \(Self.name)
            """)
        for try await (cap, policy, next, end, start) in rows.decode((Int?, String, Int, Int, Int).self) {
            if cap == options.relationshipsCap && policy == options.onMissingToken.rawValue {
                if next > start && next < end { report(.message("resuming the main pass at token id \(next) of \(end)")) }
                return State(start: min(start, next), next: next, end: end)
            }
            report(.message("options changed since the last run; recomputing every token"))
        }
        var start = 0, end = 0
        for try await (low, high) in try await database.query(
            "SELECT coalesce(min(id), 0)::int8, coalesce(max(id) + 1, 0)::int8 FROM coordizer_vocabulary"
        ).decode((Int, Int).self) { (start, end) = (low, high) }
        try await database.query("""
            INSERT INTO pgcutover_backfill (name, relationships_cap, on_missing_token, next_id, end_id)
            VALUES (\(Self.name), \(options.relationshipsCap), \(options.onMissingToken.rawValue), \(start), \(end))
            ON CONFLICT (name) DO UPDATE SET relationships_cap = excluded.relationships_cap,
                on_missing_token = excluded.on_missing_token, next_id = excluded.next_id, end_id = excluded.end_id,
                batches = 0, rows_updated = 0, started_at = now(), updated_at = now(), main_pass_done_at = NULL
            """)
        return State(start: start, next: start, end: end)
    }

    private func describeCap(_ summary: inout BackfillSummary) async throws {
        guard options.relationshipsCap != nil else { return }
        summary.droppedByCap = try await database.scalarInt("SELECT count(*)::int8 FROM pgcutover_dropped_relationships") ?? 0
        for try await line in try await database.query("""
            SELECT format('id %s: %L -> %L (cooccurrence_count %s, rank %s)', id, word, legacy_row->>'neighbor',
                          cooccurrence_count, rank)
            FROM pgcutover_dropped_relationships ORDER BY word, rank LIMIT 10
            """).decode(String.self) { summary.droppedExamples.append(line) }
    }
}
