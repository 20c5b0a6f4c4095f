import PostgresNIO

/// The applied-migrations table: version, name, checksum of the file, when, and how long it took.
public struct MigrationLedger: Sendable {
    public struct Entry: Sendable, Equatable {
        public var version: MigrationVersion
        public var name: String
        public var checksum: String
        public var appliedAt: String
        public var durationMilliseconds: Int
    }

    static let table = "pgcutover_schema_migrations"
    let database: Database

    func create() async throws {
        try await database.execute("""
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms bigint NOT NULL)
            """)
    }

    func entries() async throws -> [MigrationVersion: Entry] {
        guard try await database.tableExists(Self.table) else { return [:] }
        var result: [MigrationVersion: Entry] = [:]
        let rows = try await database.query("""
            SELECT version, name, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS OF'), duration_ms::int8
            FROM pgcutover_schema_migrations ORDER BY version
            """)
        for try await (version, name, checksum, appliedAt, duration) in rows.decode((Int, String, String, String, Int).self) {
            result[MigrationVersion(version)] = Entry(version: MigrationVersion(version), name: name, checksum: checksum,
                                                      appliedAt: appliedAt, durationMilliseconds: duration)
        }
        return result
    }

    /// SHA-256 of the file text, computed by the server so the migrator needs no crypto library.
    func checksum(_ text: String) async throws -> String {
        try await database.scalarString("SELECT encode(sha256(convert_to(\(text), 'UTF8')), 'hex')") ?? ""
    }

    func record(_ file: MigrationFile, checksum: String, milliseconds: Int) async throws {
        try await database.query("""
            INSERT INTO pgcutover_schema_migrations (version, name, checksum, duration_ms)
            VALUES (\(file.version.rawValue), \(file.name), \(checksum), \(milliseconds))
            """)
    }

    func remove(_ version: MigrationVersion) async throws {
        try await database.query("DELETE FROM pgcutover_schema_migrations WHERE version = \(version.rawValue)")
    }
}
