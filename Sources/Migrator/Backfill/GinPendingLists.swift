/// Keeps the merging of the GIN indexes' pending lists (fastupdate) out of every transaction that holds
/// row locks while the backfill runs.
///
/// A GIN index on `coordizer_vocabulary` collects new entries in a pending list, and whichever session
/// inserts past `gin_pending_list_limit` (4 MB by default) merges the whole list into the index, inside
/// its own transaction. With the batches filling `relationships` that is seconds of work: measured at
/// scale 1.0, a legacy writer whose `UPDATE coordizer_vocabulary SET frequency = ...` drew the merge ran
/// 5.8 s, and every writer of that token row waited behind it. So during the backfill the indexes'
/// limit is raised as far as it goes (nobody merges on insert), and the backfill merges with
/// `gin_clean_pending_list` after each batch has committed, holding no row locks. The limit is reset
/// when the run ends; after a kill the next run resets it.
struct GinPendingLists: Sendable {
    let database: Database
    let ddl: OnlineDDL

    /// The GIN indexes on coordizer_vocabulary (0020's two), whatever they are called.
    func indexes() async throws -> [String] {
        var names: [String] = []
        for try await name in try await database.query("""
            SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
            WHERE i.indrelid = 'coordizer_vocabulary'::regclass AND am.amname = 'gin' AND i.indisvalid
            ORDER BY c.relname
            """).decode(String.self) { names.append(name) }
        return names
    }

    /// ALTER INDEX ... SET of this option takes SHARE UPDATE EXCLUSIVE: writers do not wait for it.
    func holdMerges() async throws {
        try await ddl.run(try await indexes().map { index in
            MigrationStep(sql: "ALTER INDEX \(quoteIdentifier(index)) SET (gin_pending_list_limit = 2097151)")
        })
    }

    /// Merges the pending lists, on `connection`, outside any transaction.
    static func merge(on connection: Database, indexes: [String]) async throws {
        for index in indexes {
            try await connection.query("SELECT gin_clean_pending_list(\(index)::regclass)")
        }
    }

    func release() async throws {
        let names = try await indexes()
        try await Self.merge(on: database, indexes: names)
        var resets: [MigrationStep] = []
        for index in names where try await limitIsSet(index) {
            resets.append(MigrationStep(sql: "ALTER INDEX \(quoteIdentifier(index)) RESET (gin_pending_list_limit)"))
        }
        try await ddl.run(resets)
        // What writers added in between; below the default limit, but merged now so queries find it indexed.
        try await Self.merge(on: database, indexes: names)
    }

    private func limitIsSet(_ index: String) async throws -> Bool {
        try await database.scalarInt("""
            SELECT count(*)::int8 FROM pg_class
            WHERE relname = \(index) AND EXISTS (SELECT 1 FROM unnest(reloptions) o WHERE o LIKE 'gin\\_pending\\_list\\_limit=%')
            """) == 1
    }
}
