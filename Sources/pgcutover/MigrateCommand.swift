import ArgumentParser
import Foundation
import Migrator

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, check and reverse schema migrations (0020: single-table generation; 0030: dual-write triggers) online.",
        subcommands: [Status.self, Up.self, Verify.self, Down.self, Scan.self]
    )

    struct Connection: ParsableArguments {
        @Option(help: "postgresql:// URL; default: the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE).")
        var databaseURL: String?

        func connect() async throws -> Database {
            let settings = try ConnectionSettings.resolve(url: databaseURL, environment: ProcessInfo.processInfo.environment)
            return try await Database.connect(settings)
        }
    }

    struct Migrations: ParsableArguments {
        @Option(help: "Directory holding NNNN_name.sql (and NNNN_name.down.sql).")
        var migrationsDir = "migrations"

        @Option(help: "Longest a DDL step may wait for its lock before it gives up and retries (ms).")
        var lockTimeout = 2000

        @Option(help: "How many times a DDL step retries after a lock timeout.")
        var lockRetries = 30
    }

    /// Runs `body` with a connection, closing it whatever happens, and prints errors psql-style.
    static func with<T>(_ connection: Connection, _ body: (Database) async throws -> T) async throws -> T {
        let database: Database
        do { database = try await connection.connect() } catch { throw CommandFailure(error) }
        do {
            let value = try await body(database)
            await database.close()
            return value
        } catch let exit as ExitCode {
            await database.close()
            throw exit
        } catch {
            await database.close()
            throw CommandFailure(error)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show applied and pending migrations and backfill progress.")
        @OptionGroup var connection: Connection
        @OptionGroup var migrations: Migrations

        func run() async throws {
            try await MigrateCommand.with(connection) { database in
                let runner = MigrationRunner(database: database, settings: .init(migrationsDirectory: migrations.migrationsDir),
                                             report: { _ in })
                print(try await runner.status())
            }
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations and run, resume or catch up their backfill.")
        @OptionGroup var connection: Connection
        @OptionGroup var migrations: Migrations

        @Option(help: "Keep only the top N relationships per word (cooccurrence_count desc, id); dropped rows are recorded in pgcutover_dropped_relationships. Default: keep all.")
        var relationshipsCap: Int?

        @Option(help: "Legacy words with no coordizer_vocabulary row: 'create' an inactive token row, or 'fail'.")
        var onMissingToken = "create"

        @Option(help: "Token ids per backfill batch (one short transaction each); the main pass halves it while batches take over half the lock timeout.")
        var batchSize = 500

        @Option(help: "Connections the main pass runs batches on at once.")
        var jobs = 2

        @Option(help: "Stop after this many backfill batches (a later run resumes).")
        var maxBatches: Int?

        @Option(help: "Passes that recompute tokens whose legacy rows changed behind the main pass.")
        var catchUpPasses = 5

        @Flag(help: "After a completed backfill, recompute every token whose JSON differs from the legacy tables. Only before the cutover: afterwards it would overwrite writes made to the JSON only.")
        var repair = false

        func validate() throws {
            guard BackfillOptions.MissingTokenPolicy(rawValue: onMissingToken) != nil else {
                throw ValidationError("--on-missing-token must be 'create' or 'fail'")
            }
            if let cap = relationshipsCap, cap < 1 { throw ValidationError("--relationships-cap must be at least 1") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        }

        func run() async throws {
            let display = ProgressDisplay()
            let options = BackfillOptions(
                relationshipsCap: relationshipsCap,
                onMissingToken: BackfillOptions.MissingTokenPolicy(rawValue: onMissingToken) ?? .create,
                batchSize: batchSize, maxBatches: maxBatches, catchUpPasses: catchUpPasses,
                repair: repair, jobs: jobs)
            let started = ContinuousClock.now
            try await MigrateCommand.with(connection) { database in
                let runner = MigrationRunner(
                    database: database,
                    settings: .init(migrationsDirectory: migrations.migrationsDir, lockTimeoutMilliseconds: migrations.lockTimeout,
                                    lockRetries: migrations.lockRetries, backfill: options),
                    report: { display.handle($0) })
                guard let summary = try await runner.up() else {
                    print("up: nothing to do")
                    return
                }
                if summary.alreadyComplete {
                    print("up: nothing to do: the backfill is complete (--repair recomputes tokens whose JSON "
                        + "differs from the legacy tables, while those are still the source of truth)")
                    return
                }
                if summary.interrupted {
                    print("up: stopped after \(summary.batches) batch(es) (--max-batches); run again to resume")
                    return
                }
                func seconds(_ d: Duration) -> String {
                    String(format: "%.2f s", Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
                }
                print("up: done in \(seconds(started.duration(to: .now))): main pass \(seconds(summary.mainPassTime)) "
                    + "(\(summary.batches) batch(es), \(summary.rowsUpdated) row(s) updated, \(summary.tokensCreated) "
                    + "inactive token row(s) created), catch-up \(seconds(summary.catchUpTime)) (\(summary.catchUpRows) row(s) "
                    + "in \(summary.catchUpPasses) pass(es)), schema steps \(seconds(summary.stepsBeforeBackfillTime)) before the "
                    + "backfill and \(seconds(summary.stepsAfterBackfillTime)) after")
                if let cap = relationshipsCap {
                    print("up: --relationships-cap \(cap) left \(summary.droppedByCap) relationship row(s) out of the JSON; "
                        + "every one is in table pgcutover_dropped_relationships (legacy_row holds the full row):")
                    for line in summary.droppedExamples { print("  \(line)") }
                    if summary.droppedByCap > summary.droppedExamples.count {
                        print("  ... and \(summary.droppedByCap - summary.droppedExamples.count) more")
                    }
                }
                if summary.stillChanging > 0 {
                    print("up: WARNING: the last catch-up pass still found \(summary.stillChanging) token(s) changed; legacy "
                        + "writes are arriving without dual-write. Enable the proxy's dual-write (or let the writes stop), "
                        + "then `migrate up --repair` and `migrate verify`.")
                    throw ExitCode(3)
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every legacy row from the new columns and compare; non-zero exit on any unexplained difference.")
        @OptionGroup var connection: Connection

        func run() async throws {
            try await MigrateCommand.with(connection) { database in
                let report = try await Verifier(database: database).run()
                print(report.text)
                if !report.isClean { throw ExitCode(2) }
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reverse the last applied migration, only if the legacy tables still hold everything.")
        @OptionGroup var connection: Connection
        @OptionGroup var migrations: Migrations

        func run() async throws {
            try await MigrateCommand.with(connection) { database in
                let runner = MigrationRunner(
                    database: database,
                    settings: .init(migrationsDirectory: migrations.migrationsDir, lockTimeoutMilliseconds: migrations.lockTimeout,
                                    lockRetries: migrations.lockRetries),
                    report: { event in if case .message(let text) = event { print(text) } })
                _ = try await runner.down()
                print("down: reversed")
            }
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List views, functions, triggers, rules and foreign keys that reference the legacy tables.")
        @OptionGroup var connection: Connection

        func run() async throws {
            try await MigrateCommand.with(connection) { database in
                let findings = try await DependencyScan(database: database).run()
                if let warning = DependencyScan.warning(findings) { print(warning) } else {
                    print("scan: nothing in the database references \(DependencyScan.legacyTables.joined(separator: " or "))")
                }
            }
        }
    }
}
