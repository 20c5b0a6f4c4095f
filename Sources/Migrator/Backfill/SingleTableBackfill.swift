import PostgresNIO

/// Moves `god_vocabulary_profiles` and `basin_relationships` into `coordizer_vocabulary.god_profile`
/// and `.relationships`, online and resumably.
///
/// Main pass: token-id ranges cut into lanes (`BackfillLane`) walked on `jobs` connections at once, one
/// short transaction per range; the transaction also advances its lane in the progress row, so after a
/// kill the next run starts each lane at the first range not committed. Every batch recomputes its
/// tokens' JSON from the legacy tables as they are at that moment, and writes only rows whose JSON
/// differs, so reruns write nothing. Catch-up passes then recompute the tokens whose legacy rows the
/// change log (`BackfillChangeLog`) saw written after the pass began; `--repair` compares every token.
/// See docs/migrator.md for what this guarantees under concurrent writes.
public struct SingleTableBackfill: Sendable {
    public static let name = "single-table-generation"

    let database: Database
    let options: BackfillOptions
    let report: @Sendable (BackfillEvent) -> Void
    let changeLog: BackfillChangeLog
    let gin: GinPendingLists
    /// The longest a main-pass batch should hold its rows locked: half the lock timeout the issue
    /// bounds writers' waits by (`BatchSizer`).
    let batchBudget: Duration

    /// The lock timeout and retries apply to the change log's triggers (brief locks on the legacy tables).
    public init(database: Database, options: BackfillOptions, lockTimeoutMilliseconds: Int = 2000, lockRetries: Int = 30,
                report: @escaping @Sendable (BackfillEvent) -> Void) {
        self.database = database
        self.options = options
        self.report = report
        batchBudget = .milliseconds(max(1, lockTimeoutMilliseconds / 2))
        let ddl = OnlineDDL(database: database, lockTimeoutMilliseconds: lockTimeoutMilliseconds, retries: lockRetries,
                            say: { text in report(.message(text)) })
        changeLog = BackfillChangeLog(database: database, ddl: ddl)
        gin = GinPendingLists(database: database, ddl: ddl)
    }

    /// Main pass, then catch-up: what `up` runs when the migration's steps are already applied.
    public func run() async throws -> BackfillSummary {
        var summary = try await runMainPass()
        if !summary.interrupted && !summary.alreadyComplete { try await finish(&summary) }
        return summary
    }

    /// Catch-up passes and the cap report. `up` runs them after the migration's remaining steps (none in
    /// 0020), so writes made during those are caught as well.
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
        try await prepareSession(database)
        let mainPassStart = ContinuousClock.now
        if try await completedEarlier() {
            // --repair compares every token instead (the log is gone with the run that completed).
            if !options.repair {
                summary.alreadyComplete = true
                return summary
            }
        } else {
            if options.maxBatches == 0 {
                // The runbook's first step (columns only, dual-write next): no change log yet, which would
                // collect every write until the backfill starts, and no id range fixed yet.
                summary.interrupted = true
                return summary
            }
            // Before the first batch's snapshot and before missing tokens are created: every legacy write
            // from here on is logged, every earlier one is seen by the batches.
            try await changeLog.install()
            // A new main pass sees everything committed so far: what the log holds is already covered.
            if try await !resumable() { try await changeLog.clear() }
        }
        try await gin.holdMerges()
        let ginIndexes = try await gin.indexes()
        // Tokens are created before the pass's id range is fixed, so the pass covers them.
        let created = try await handleMissingTokens()
        let (lanes, total) = try await loadOrStartLanes()
        try await recordCreated(created)
        summary.tokensCreated += created
        let left = lanes.filter { $0.next < $0.end }
        let tally = MainPassTally(limit: options.maxBatches, done: total - left.reduce(0) { $0 + $1.end - $1.next },
                                  total: total)
        let queue = LaneQueue(left)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<min(max(1, options.jobs), left.count) {
                group.addTask {
                    // The first lane worker uses the run's own connection; the others open their own.
                    let connection = worker == 0 ? database : try await Database.connect(database.settings)
                    do {
                        if worker > 0 { try await prepareSession(connection) }
                        var sizer = BatchSizer(largest: options.batchSize, budget: batchBudget)
                        while let lane = await queue.next(),
                              try await runLane(lane, on: connection, tally: tally, ginIndexes: ginIndexes, sizer: &sizer) {}
                    } catch {
                        if worker > 0 { await connection.close() }
                        throw error
                    }
                    if worker > 0 { await connection.close() }
                }
            }
            try await group.waitForAll()
        }
        summary.batches = await tally.batches
        summary.rowsUpdated = await tally.rowsUpdated
        if await tally.interrupted {
            try await gin.release()
            summary.interrupted = true
            return summary
        }
        try await database.query("""
            UPDATE pgcutover_backfill SET main_pass_done_at = coalesce(main_pass_done_at, now()) WHERE name = \(Self.name)
            """)

        summary.mainPassTime = mainPassStart.duration(to: .now)
        return summary
    }

    /// Batches wait for row locks as long as it takes (a dual-write holds one for milliseconds), and store
    /// the JSON compressed with lz4 where the server has it: at scale 1.0 a batch's UPDATE spends about
    /// half its time compressing with the default pglz, and the GIN index maintenance reads it back.
    /// Reads are the same either way; rows written later by anyone else use the server's default.
    private func prepareSession(_ connection: Database) async throws {
        try await connection.execute("SET lock_timeout = 0")
        do {
            try await connection.execute("SET default_toast_compression = lz4")
        } catch {
            // A server built without lz4 (SQLSTATE 22023): keep pglz.
        }
    }

    /// Walks one lane; false when the batch budget ran out first.
    private func runLane(_ lane: BackfillLane, on connection: Database, tally: MainPassTally, ginIndexes: [String],
                         sizer: inout BatchSizer) async throws -> Bool
    {
        var low = lane.next
        while low < lane.end {
            guard await tally.claim() else { return false }
            let high = min(lane.end, low + sizer.current)
            let started = ContinuousClock.now
            let (_, updated, _) = try await connection.transaction {
                let result = try await runBatch(range: low..<high, on: connection)
                try await connection.query("""
                    UPDATE pgcutover_backfill SET lane_next[\(Int32(lane.index))] = \(high), batches = batches + 1,
                        rows_updated = rows_updated + \(result.updated), updated_at = now()
                    WHERE name = \(Self.name)
                    """)
                return result
            }
            let elapsed = started.duration(to: .now)
            let size = sizer.current
            sizer.record(ids: high - low, elapsed: elapsed)
            if sizer.current != size {
                report(.message("batches on this connection now \(sizer.current) token ids (the last took \(elapsed))"))
            }
            try await GinPendingLists.merge(on: connection, indexes: ginIndexes)
            report(await tally.finished(ids: high - low, updated: updated))
            low = high
        }
        return true
    }

    // MARK: passes

    private func runBatch(range: Range<Int>, on connection: Database) async throws -> (targets: Int, updated: Int, capped: Int) {
        var binds = PostgresBindings()
        binds.append(range.lowerBound)
        binds.append(range.upperBound)
        return try await runBatch(BackfillSQL.rangeTarget, binds: binds, on: connection)
    }

    private func runBatch(ids: [Int32]) async throws -> (targets: Int, updated: Int, capped: Int) {
        var binds = PostgresBindings()
        binds.append(ids)
        return try await runBatch(BackfillSQL.listTarget, binds: binds, on: database)
    }

    /// Locks the target's token rows, then recomputes them (`BackfillSQL.batch`); `binds` are the
    /// target's parameters, the cap follows them when there is one.
    private func runBatch(_ target: (target: String, cap: String), binds: PostgresBindings, on connection: Database)
        async throws -> (targets: Int, updated: Int, capped: Int)
    {
        var binds = binds
        try await connection.query(PostgresQuery(unsafeSQL: BackfillSQL.lock(target.target), binds: binds))
        if options.relationshipsCap != nil { binds.append(options.relationshipsCap) }
        let batch = BackfillSQL.batch(target.target, cap: target.cap, capped: options.relationshipsCap != nil)
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: batch, binds: binds))
            .decode((Int, Int, Int).self) { return row }
        return (0, 0, 0)
    }

    /// Legacy rows written behind the main pass (directly, not through the proxy's dual-write) leave
    /// their token's JSON stale. The change log names their words; without it (`--repair`, or a run
    /// killed after removing it) a set comparison over every token finds them. Passes repeat until one
    /// writes nothing or the pass budget is spent; then the log is removed, and whatever it recorded
    /// until its triggers were dropped is recomputed too.
    private func catchUp(_ summary: inout BackfillSummary) async throws {
        try await prepareSession(database)
        let hasLog = try await changeLog.exists()
        let logged = !options.repair && hasLog
        for pass in 1...max(1, options.catchUpPasses) {
            summary.tokensCreated += try await createMissingTokensRecorded(loggedOnly: logged)
            let changes: BackfillChangeLog.Changes? = logged ? try await changeLog.read() : nil
            let ids: [Int32]
            if let changes, !changes.everything { ids = changes.tokenIDs } else { ids = try await outOfStep() }
            guard !ids.isEmpty else {
                if let changes { try await changeLog.consume(changes) }
                summary.stillChanging = 0
                break
            }
            summary.catchUpPasses = pass
            report(.message("catch-up pass \(pass): \(ids.count) token(s) written behind the main pass; recomputing"))
            let updated = try await recompute(ids)
            summary.catchUpRows += updated
            if let changes { try await changeLog.consume(changes) }
            // Tokens written through dual-write are already right: only tokens that were out of step count.
            summary.stillChanging = updated
            if updated == 0 { break }
        }
        // The budget may be spent with writes still arriving; what the log holds once its triggers are
        // gone is recomputed too, so every write committed before that point is covered.
        try await changeLog.remove {
            summary.tokensCreated += try await createMissingTokensRecorded(loggedOnly: true)
            let left = try await changeLog.read()
            let ids = left.everything ? try await outOfStep() : left.tokenIDs
            summary.catchUpRows += try await recompute(ids)
            try await changeLog.consume(left)
        }
        try await gin.release()
    }

    /// Recomputes the given tokens in batches of `batchSize`; returns the rows written.
    private func recompute(_ ids: [Int32]) async throws -> Int {
        let ginIndexes = try await gin.indexes()
        var updated = 0
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(ids.count, start + options.batchSize)])
            let (_, written, _) = try await database.transaction { try await runBatch(ids: chunk) }
            try await GinPendingLists.merge(on: database, indexes: ginIndexes)
            updated += written
            start += chunk.count
        }
        return updated
    }

    private func outOfStep() async throws -> [Int32] {
        var binds = PostgresBindings()
        binds.append(options.relationshipsCap)
        var ids: [Int32] = []
        for try await id in try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.outOfStep(capped: options.relationshipsCap != nil), binds: binds))
            .decode(Int32.self) { ids.append(id) }
        return ids
    }

    /// The catch-up's `handleMissingTokens`, counted in the progress row at once (the main pass
    /// counts its own after the row for its run is written).
    private func createMissingTokensRecorded(loggedOnly: Bool) async throws -> Int {
        let created = try await handleMissingTokens(loggedOnly: loggedOnly)
        try await recordCreated(created)
        return created
    }

    /// Returns the number of token rows created. `loggedOnly`: only words in the change log (the catch-up
    /// needs no scan of every legacy word then).
    private func handleMissingTokens(loggedOnly: Bool = false) async throws -> Int {
        let words = loggedOnly ? BackfillSQL.loggedLegacyWords : BackfillSQL.legacyWords
        switch options.onMissingToken {
        case .fail:
            for try await (count, examples) in try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.missingTokens(words: words)))
                .decode((Int, [String]).self) where count > 0 {
                throw MigratorError(
                    sqlState: "23503",
                    message: "\(count) legacy word(s) have no coordizer_vocabulary row; stopping (--on-missing-token fail)",
                    detail: "first: " + examples.map { "'\($0)'" }.joined(separator: ", "),
                    hint: "add token rows for them, or rerun with --on-missing-token create to keep them as inactive tokens")
            }
            return 0
        case .create:
            let created = try await database.scalarInt(PostgresQuery(unsafeSQL: BackfillSQL.createMissingTokens(words: words))) ?? 0
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

    private func resumable() async throws -> Bool {
        try await database.scalarInt("""
            SELECT count(*)::int8 FROM pgcutover_backfill
            WHERE name = \(Self.name) AND relationships_cap IS NOT DISTINCT FROM \(options.relationshipsCap)::int4
              AND on_missing_token = \(options.onMissingToken.rawValue)
            """) == 1
    }

    /// Resumes the recorded run when its options match; otherwise (first run, or the cap or missing-token
    /// policy changed) starts a main pass over every token that exists now, cut into lanes.
    private func loadOrStartLanes() async throws -> (lanes: [BackfillLane], total: Int) {
        let rows = try await database.query("""
            SELECT relationships_cap::int8, on_missing_token, lane_next, lane_end, end_id - start_id
            FROM pgcutover_backfill WHERE name = \(Self.name)
            """)
        for try await (cap, policy, next, end, total) in rows.decode((Int?, String, [Int], [Int], Int).self) {
            if cap == options.relationshipsCap && policy == options.onMissingToken.rawValue {
                let lanes = zip(next, end).enumerated().map { BackfillLane(index: $0.offset + 1, next: $0.element.0, end: $0.element.1) }
                let left = lanes.reduce(0) { $0 + $1.end - $1.next }
                if left > 0 && left < total { report(.message("resuming the main pass: \(left) of \(total) token ids left")) }
                return (lanes, total)
            }
            report(.message("options changed since the last run; recomputing every token"))
        }
        var start = 0, end = 0
        for try await (low, high) in try await database.query(
            "SELECT coalesce(min(id), 0)::int8, coalesce(max(id) + 1, 0)::int8 FROM coordizer_vocabulary"
        ).decode((Int, Int).self) { (start, end) = (low, high) }
        // Four lanes per connection: enough for an even finish, few enough that each lane is many batches.
        let lanes = BackfillLane.split(start: start, end: end, batchSize: options.batchSize, lanes: 4 * max(1, options.jobs))
        try await database.query("""
            INSERT INTO pgcutover_backfill (name, relationships_cap, on_missing_token, start_id, end_id, lane_next, lane_end)
            VALUES (\(Self.name), \(options.relationshipsCap), \(options.onMissingToken.rawValue), \(start), \(end),
                    \(lanes.map(\.next)), \(lanes.map(\.end)))
            ON CONFLICT (name) DO UPDATE SET relationships_cap = excluded.relationships_cap,
                on_missing_token = excluded.on_missing_token, start_id = excluded.start_id, end_id = excluded.end_id,
                lane_next = excluded.lane_next, lane_end = excluded.lane_end,
                batches = 0, rows_updated = 0, started_at = now(), updated_at = now(), main_pass_done_at = NULL
            """)
        return (lanes, end - start)
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
