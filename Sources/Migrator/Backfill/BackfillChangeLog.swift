import PostgresNIO

/// The words whose legacy rows were written while the backfill ran, so the catch-up recomputes only
/// those tokens instead of comparing every token's JSON with the legacy tables (at scale 1.0, ~1,000
/// tokens against 16,000).
///
/// Statement-level triggers with transition tables (one INSERT per statement, not per row) append the
/// touched words to `pgcutover_backfill_changes`, in the writer's own transaction: a write and its log
/// row commit together. They are installed before the main pass fixes its id range, and removed at the
/// end of the catch-up; `down` removes a leftover. Only the legacy tables get triggers: a trigger on
/// `coordizer_vocabulary` would make every batch's UPDATE pay for it, and dropping it at the end waits
/// for the autovacuum those batches set off (a second, at `deadlock_timeout`). A token row renamed
/// during the run is therefore not caught up; `up --repair` (a full comparison) is. Unlike 0030's forward sync they do not depend on
/// `pgcutover.sync`: every writer is logged, synced or not (a synced write's token is recomputed to the
/// JSON it already has, and nothing is written).
struct BackfillChangeLog: Sendable {
    static let table = "pgcutover_backfill_changes"
    static let legacyTables = ["god_vocabulary_profiles", "basin_relationships"]
    static let legacyEvents = [
        (event: "INSERT", transition: "REFERENCING NEW TABLE AS pgcutover_changed_new"),
        (event: "UPDATE", transition: "REFERENCING OLD TABLE AS pgcutover_changed_old NEW TABLE AS pgcutover_changed_new"),
        (event: "DELETE", transition: "REFERENCING OLD TABLE AS pgcutover_changed_old"),
        (event: "TRUNCATE", transition: ""),
    ]

    let database: Database
    let ddl: OnlineDDL

    private static func triggerName(_ event: String) -> String { "pgcutover_backfill_log_\(event.lowercased())" }

    /// What one read of the log found.
    struct Changes: Sendable {
        /// The log rows read; deleted once their tokens are recomputed.
        var logIDs: [Int64]
        /// Token rows of the logged words.
        var tokenIDs: [Int32]
        /// A TRUNCATE was logged: every token may be stale.
        var everything: Bool
        var isEmpty: Bool { logIDs.isEmpty }
    }

    func exists() async throws -> Bool { try await database.tableExists(Self.table) }

    /// Idempotent, so a rerun after a kill at any point just completes it. The triggers' locks
    /// (SHARE ROW EXCLUSIVE: writers wait) are taken with the lock timeout and retries.
    func install() async throws {
        try await database.execute("""
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                word text)  -- NULL: a TRUNCATE, every word
            """)
        // Transition tables are only read by the branch of the statement that has them.
        try await database.execute("""
            CREATE OR REPLACE FUNCTION pgcutover_backfill_log_legacy() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    INSERT INTO \(Self.table) (word) VALUES (NULL);
                ELSIF TG_OP = 'INSERT' THEN
                    INSERT INTO \(Self.table) (word) SELECT DISTINCT word FROM pgcutover_changed_new;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO \(Self.table) (word) SELECT DISTINCT word FROM pgcutover_changed_old;
                ELSE
                    INSERT INTO \(Self.table) (word)
                    SELECT word FROM pgcutover_changed_old UNION SELECT word FROM pgcutover_changed_new;
                END IF;
                RETURN NULL;
            END
            $$
            """)
        try await ddl.run(Self.legacyTables.flatMap { table in
            Self.legacyEvents.map { event, transition in
                MigrationStep(sql: """
                    CREATE OR REPLACE TRIGGER \(Self.triggerName(event)) AFTER \(event) ON \(table)
                        \(transition) FOR EACH STATEMENT EXECUTE FUNCTION pgcutover_backfill_log_legacy()
                    """)
            }
        })
    }

    /// One statement, so one snapshot: the log rows committed so far and their words' token rows.
    /// A logged word that has legacy rows but no token row yet was logged after the pass created the
    /// missing token rows (`createMissingTokens` runs just before this); its log row is not returned, so
    /// it stays for the next pass or the last recomputation, which create the token row first.
    /// Returning it would delete it with nothing recomputed: that word's writes were lost.
    func read() async throws -> Changes {
        let rows = try await database.query("""
            WITH logged AS (SELECT id, word FROM pgcutover_backfill_changes),
            seen AS (
                SELECT l.id, l.word FROM logged l
                WHERE l.word IS NULL OR EXISTS (SELECT 1 FROM coordizer_vocabulary cv WHERE cv.token = l.word)
                   OR NOT (EXISTS (SELECT 1 FROM basin_relationships r WHERE r.word = l.word)
                           OR EXISTS (SELECT 1 FROM god_vocabulary_profiles g WHERE g.word = l.word)))
            SELECT (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM seen),
                   (SELECT coalesce(bool_or(word IS NULL), false) FROM seen),
                   (SELECT coalesce(array_agg(cv.id ORDER BY cv.id), '{}') FROM coordizer_vocabulary cv
                    WHERE cv.token IN (SELECT word FROM seen))
            """)
        for try await (logIDs, everything, tokenIDs) in rows.decode(([Int64], Bool, [Int32]).self) {
            return Changes(logIDs: logIDs, tokenIDs: tokenIDs, everything: everything)
        }
        return Changes(logIDs: [], tokenIDs: [], everything: false)
    }

    func clear() async throws { try await database.execute("DELETE FROM \(Self.table)") }

    /// Deletes exactly the rows `read` returned, after their tokens were recomputed: a log row committed
    /// since (by a write the recomputation may not have seen) stays for the next pass. A kill between
    /// the recomputation and this leaves them for the next run, which recomputes them once more.
    func consume(_ changes: Changes) async throws {
        guard !changes.logIDs.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(changes.logIDs)
        try await database.query(PostgresQuery(
            unsafeSQL: "DELETE FROM \(Self.table) WHERE id = ANY($1::int8[])", binds: binds))
    }

    /// Drops the triggers (each with the lock timeout; once dropped, every write that was logged has
    /// committed, since the drop waited for its table's writers), hands the words logged until then to
    /// `drain`, then drops the table and functions.
    func remove(drain: () async throws -> Void) async throws {
        try await ddl.run(try await installedTriggers().map { name, table in
            MigrationStep(sql: "DROP TRIGGER IF EXISTS \(name) ON \(table)")
        })
        if try await exists() {
            try await drain()
            try await database.execute("DROP TABLE IF EXISTS \(Self.table)")
        }
        try await database.execute("DROP FUNCTION IF EXISTS pgcutover_backfill_log_legacy()")
    }

    /// Only triggers that exist are dropped: DROP TRIGGER IF EXISTS would still lock the table.
    private func installedTriggers() async throws -> [(String, String)] {
        var found: [(String, String)] = []
        for try await (name, table) in try await database.query("""
            SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname LIKE 'pgcutover\\_backfill\\_log\\_%' AND c.relnamespace = current_schema()::regnamespace
            ORDER BY c.relname, t.tgname
            """).decode((String, String).self) { found.append((name, table)) }
        return found
    }
}
