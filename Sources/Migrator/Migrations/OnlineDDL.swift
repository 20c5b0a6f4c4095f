import Foundation
import PostgresNIO

/// Runs DDL without ever queueing behind a long transaction: each attempt waits at most `lockTimeout`
/// for its lock (while it waits, every other query on the table queues behind it), then gives up,
/// backs off and tries again.
public struct OnlineDDL: Sendable {
    public var lockTimeoutMilliseconds: Int
    public var retries: Int
    let database: Database
    let say: @Sendable (String) -> Void

    public init(database: Database, lockTimeoutMilliseconds: Int = 2000, retries: Int = 30,
                say: @escaping @Sendable (String) -> Void) {
        self.database = database
        self.lockTimeoutMilliseconds = lockTimeoutMilliseconds
        self.retries = retries
        self.say = say
    }

    public func run(_ step: MigrationStep) async throws {
        try await database.execute("SET lock_timeout = \(lockTimeoutMilliseconds)")
        var attempt = 0
        while true {
            attempt += 1
            do {
                if let index = step.concurrentIndex { try await dropIfInvalid(index: index) }
                try await database.execute(step.sql)
                return
            } catch where ["55P03", "40P01"].contains(MigratorError.sqlState(of: error)) && attempt <= retries {
                // lock_not_available: someone holds a conflicting lock; let them finish. deadlock_detected:
                // a concurrent index build waits for this very statement; ours was the one cancelled.
                let delay = min(5000, 100 * (1 << min(attempt, 6)))
                say("lock not available (attempt \(attempt)/\(retries + 1)); retrying in \(delay) ms")
                try await Task.sleep(for: .milliseconds(delay))
            } catch {
                throw MigratorError(error, context: "step failed: \(step.sql.prefix(80))")
            }
        }
    }

    /// Runs `steps` in order, then lets the session wait for locks without limit again: what the
    /// statements after them need (a backfill batch waits for a dual-write's row lock as long as it
    /// takes).
    public func run(_ steps: [MigrationStep]) async throws {
        for step in steps { try await run(step) }
        try await database.execute("SET lock_timeout = 0")
    }

    /// A CREATE INDEX CONCURRENTLY that was interrupted (killed, cancelled, lock timeout) leaves an
    /// INVALID index behind, which IF NOT EXISTS would then skip forever.
    private func dropIfInvalid(index: String) async throws {
        let invalid = try await database.scalarInt("""
            SELECT count(*)::int8 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relname = \(index) AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid
            """) ?? 0
        if invalid > 0 {
            say("index \(index) is INVALID (an earlier build was interrupted); dropping and rebuilding it")
            try await database.execute("DROP INDEX CONCURRENTLY IF EXISTS \(quoteIdentifier(index))")
        }
    }
}

/// Double-quotes an identifier for SQL text, doubling embedded quotes.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
