import Foundation
import PostgresNIO

/// `migrate status | up | down`: applies the schema steps of pending migrations online, records them
/// with their checksum, runs (or resumes, or catches up) their backfill, and reverses 0020 when safe.
public struct MigrationRunner: Sendable {
    public struct Settings: Sendable {
        public var migrationsDirectory: String
        public var lockTimeoutMilliseconds: Int
        public var lockRetries: Int
        public var backfill: BackfillOptions

        public init(migrationsDirectory: String = "migrations", lockTimeoutMilliseconds: Int = 2000,
                    lockRetries: Int = 30, backfill: BackfillOptions = BackfillOptions()) {
            self.migrationsDirectory = migrationsDirectory
            self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
            self.lockRetries = lockRetries
            self.backfill = backfill
        }
    }

    let database: Database
    let settings: Settings
    let report: @Sendable (BackfillEvent) -> Void

    public init(database: Database, settings: Settings, report: @escaping @Sendable (BackfillEvent) -> Void) {
        self.database = database
        self.settings = settings
        self.report = report
    }

    private func say(_ text: String) { report(.message(text)) }

    // MARK: status

    public func status() async throws -> String {
        let files = try MigrationFile.load(directory: settings.migrationsDirectory)
        let ledger = MigrationLedger(database: database)
        let applied = try await ledger.entries()
        var lines: [String] = []
        for file in files {
            if let entry = applied[file.version] {
                let same = try await ledger.checksum(file.text) == entry.checksum
                lines.append("\(file.name): applied \(entry.appliedAt) in \(entry.durationMilliseconds) ms"
                    + (same ? "" : " — CHECKSUM CHANGED since it was applied"))
            } else {
                lines.append("\(file.name): pending")
            }
        }
        for (version, entry) in applied.sorted(by: { $0.key < $1.key }) where !files.contains(where: { $0.version == version }) {
            lines.append("\(entry.name): applied \(entry.appliedAt), but its file is not in \(settings.migrationsDirectory)")
        }
        if try await database.tableExists("pgcutover_backfill") {
            let rows = try await database.query("""
                SELECT name, coalesce(relationships_cap::text, 'none'), on_missing_token,
                       end_id - start_id - (SELECT coalesce(sum(e - n), 0) FROM unnest(lane_next, lane_end) AS l(n, e))::int8,
                       end_id - start_id, batches, rows_updated, tokens_created, main_pass_done_at IS NOT NULL
                FROM pgcutover_backfill ORDER BY name
                """)
            for try await (name, cap, policy, covered, total, batches, updated, created, done)
                in rows.decode((String, String, String, Int, Int, Int, Int, Int, Bool).self)
            {
                lines.append("backfill \(name): " + (done ? "main pass complete" : "main pass at \(covered) of \(total) token ids")
                    + "; \(batches) batch(es), \(updated) row(s) updated, \(created) token row(s) created; "
                    + "cap \(cap), on missing token: \(policy)")
            }
        }
        return lines.joined(separator: "\n")
    }

    // MARK: up

    /// One `up` or `down` at a time per database. A killed run's server session keeps its lock until the
    /// statement it was running ends, so a rerun also waits for that orphan instead of racing it.
    private func exclusive() async throws {
        let key = 0x7067_6375_746F  // "pgcuto"
        let free = try await database.scalarInt("SELECT CASE WHEN pg_try_advisory_lock(\(key)) THEN 1 ELSE 0 END") == 1
        if !free {
            say("waiting for another pgcutover migrate session on this database (or a killed run's leftover statement)")
            try await database.query("SELECT pg_advisory_lock(\(key))")
        }
    }

    public func up() async throws -> BackfillSummary? {
        try await exclusive()
        let files = try MigrationFile.load(directory: settings.migrationsDirectory)
        let ledger = MigrationLedger(database: database)
        try await ledger.create()
        let applied = try await ledger.entries()
        for file in files {
            guard let entry = applied[file.version] else { continue }
            let current = try await ledger.checksum(file.text)
            if current != entry.checksum {
                throw MigratorError(
                    sqlState: "55000",
                    message: "migration \(file.name) changed since it was applied",
                    detail: "recorded checksum \(entry.checksum), file \(current)",
                    hint: "an applied migration must not be edited; restore the file or write a new migration")
            }
        }
        let findings = try await DependencyScan(database: database).run()
        if let warning = DependencyScan.warning(findings) { say(warning) }

        let ddl = OnlineDDL(database: database, lockTimeoutMilliseconds: settings.lockTimeoutMilliseconds,
                            retries: settings.lockRetries, say: { text in report(.message(text)) })
        var summary: BackfillSummary?
        for file in files {
            let backfill = try file.backfill.map { name -> String in
                guard name == SingleTableBackfill.name else {
                    throw MigratorError(sqlState: "42704", message: "\(file.name) names an unknown backfill '\(name)'")
                }
                return name
            }
            guard applied[file.version] == nil else {
                // Applied: the backfill still runs, to resume an interrupted pass or catch up.
                if let backfill {
                    say("backfill \(backfill)")
                    summary = try await runBackfill()
                }
                continue
            }
            if backfill != nil, settings.backfill.onMissingToken == .fail {
                // Stop before the first schema change rather than halfway.
                try await requireTablesForBackfill()
                try await checkNoMissingTokens()
            }
            say("applying \(file.name) (\(file.steps.count) step(s))")
            let started = ContinuousClock.now
            // Steps before the backfill marker (0020: the columns, and the indexes, built while the columns
            // are empty so the batches maintain them), the backfill, then the rest.
            for step in file.steps.prefix(file.backfillAfterStep) { try await ddl.run(step) }
            let stepsBefore = started.duration(to: .now)
            var result: BackfillSummary?
            if backfill != nil {
                say("backfill \(SingleTableBackfill.name)")
                var main = try await backfillJob().runMainPass()
                main.stepsBeforeBackfillTime = stepsBefore
                if main.interrupted {
                    try await applyDuringBackfill(files.filter { $0.version > file.version }, applied, ledger, ddl)
                    return main
                }
                result = main
            }
            let afterStart = ContinuousClock.now
            for step in file.steps.dropFirst(file.backfillAfterStep) { try await ddl.run(step) }
            result?.stepsAfterBackfillTime = afterStart.duration(to: .now)
            // Also after a main pass an earlier, killed run completed: that run's catch-up may not have.
            if var done = result {
                done.alreadyComplete = false
                try await backfillJob().finish(&done)
                result = done
            }
            summary = result ?? summary
            let elapsed = started.duration(to: .now)
            let checksum = try await ledger.checksum(file.text)
            try await ledger.record(file, checksum: checksum,
                                    milliseconds: Int(elapsed.components.seconds * 1000
                                        + elapsed.components.attoseconds / 1_000_000_000_000_000))
        }
        return summary
    }

    /// The later migrations marked `during-backfill` that are still pending, applied while the
    /// earlier migration's backfill is unfinished (stopped by `--max-batches`).
    private func applyDuringBackfill(
        _ later: [MigrationFile], _ applied: [MigrationVersion: MigrationLedger.Entry], _ ledger: MigrationLedger,
        _ ddl: OnlineDDL
    ) async throws {
        for file in later where file.appliesDuringEarlierBackfill && file.backfill == nil && applied[file.version] == nil {
            say("applying \(file.name) (\(file.steps.count) step(s)) while the backfill is unfinished")
            let started = ContinuousClock.now
            for step in file.steps { try await ddl.run(step) }
            let elapsed = started.duration(to: .now)
            try await ledger.record(file, checksum: try await ledger.checksum(file.text),
                                    milliseconds: Int(elapsed.components.seconds * 1000
                                        + elapsed.components.attoseconds / 1_000_000_000_000_000))
        }
    }

    private func runBackfill() async throws -> BackfillSummary {
        try await backfillJob().run()
    }

    private func backfillJob() -> SingleTableBackfill {
        SingleTableBackfill(database: database, options: settings.backfill, lockTimeoutMilliseconds: settings.lockTimeoutMilliseconds,
                            lockRetries: settings.lockRetries, report: report)
    }

    private func requireTablesForBackfill() async throws {
        for table in LegacySchema.tableNames {
            if try await database.tableExists(table) { continue }
            throw MigratorError(sqlState: "42P01", message: "table \(table) does not exist")
        }
    }

    private func checkNoMissingTokens() async throws {
        for try await (count, examples) in try await database.query(PostgresQuery(unsafeSQL: BackfillSQL.missingTokens()))
            .decode((Int, [String]).self) where count > 0 {
            throw MigratorError(
                sqlState: "23503",
                message: "\(count) legacy word(s) have no coordizer_vocabulary row; stopping (--on-missing-token fail)",
                detail: "first: " + examples.map { "'\($0)'" }.joined(separator: ", "),
                hint: "add token rows for them, or use --on-missing-token create to keep them as inactive tokens")
        }
    }

    // MARK: down

    /// Reverses 0020 only when nothing would be lost: the legacy tables hold every row the JSON holds,
    /// and the other new columns hold no data.
    public func down() async throws -> VerificationReport {
        try await exclusive()
        let files = try MigrationFile.load(directory: settings.migrationsDirectory)
        let ledger = MigrationLedger(database: database)
        let applied = try await ledger.entries()
        guard let file = files.last(where: { applied[$0.version] != nil }) else {
            throw MigratorError(sqlState: "55000", message: "no applied migration to reverse")
        }
        guard let downSteps = file.downSteps else {
            throw MigratorError(sqlState: "55000", message: "\(file.name) has no .down.sql file; it cannot be reversed")
        }
        // Without a legacy table there is nothing to reverse onto: its rows may now live only in the
        // JSON that the reversal drops.
        for table in DependencyScan.legacyTables {
            if try await database.tableExists(table) { continue }
            throw MigratorError(
                sqlState: "55000", message: "refusing to reverse \(file.name): legacy table \(table) does not exist",
                detail: "down drops the new columns; with \(table) gone, its rows would be kept nowhere",
                hint: "recreate \(table) and fill it from the JSON (the data contract, docs/migrator.md), then run down again")
        }
        let verification = try await Verifier(database: database).run()
        var reasons: [String] = []
        for table in verification.tables where table.jsonHasMore {
            reasons.append("\(table.table): the JSON holds \(table.extra) row(s) the legacy table lacks, "
                + "\(table.different) that differ from it, \(table.duplicates) duplicate(s)")
        }
        let newData = try await database.scalarInt("""
            SELECT count(*)::int8 FROM coordizer_vocabulary
            WHERE merge_from_a IS NOT NULL OR merge_from_b IS NOT NULL OR phi_gain IS NOT NULL OR coupling IS NOT NULL
               OR (active IS DISTINCT FROM true AND source_type IS DISTINCT FROM 'pgcutover:legacy-only')
            """) ?? 0
        if newData > 0 {
            reasons.append("\(newData) token row(s) hold data in merge_from_a/merge_from_b/phi_gain/coupling/active "
                + "that exists nowhere else")
        }
        guard reasons.isEmpty else {
            throw MigratorError(
                sqlState: "55000", message: "refusing to reverse \(file.name): the legacy tables are not complete",
                detail: reasons.joined(separator: "; ") + "\n" + verification.text,
                hint: "writes went to the new columns only (rewrite mode?); move them back to the legacy tables first")
        }
        say("legacy tables complete (\(verification.tables.map { "\($0.table) \($0.legacyRows) rows" }.joined(separator: ", "))); reversing \(file.name)")
        let ddl = OnlineDDL(database: database, lockTimeoutMilliseconds: settings.lockTimeoutMilliseconds,
                            retries: settings.lockRetries, say: { text in report(.message(text)) })
        try await ddl.run(downSteps)
        // A killed or interrupted backfill may have left its change log (triggers on the legacy tables).
        if file.backfill != nil { try await BackfillChangeLog(database: database, ddl: ddl).remove {} }
        if let name = file.backfill, try await database.tableExists("pgcutover_backfill") {
            try await database.query("DELETE FROM pgcutover_backfill WHERE name = \(name)")
            try await database.execute("TRUNCATE pgcutover_dropped_relationships")
        }
        try await ledger.remove(file.version)
        return verification
    }
}
