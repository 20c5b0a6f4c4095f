import Foundation

/// Two databases on the test server holding the same legacy data: `legacy` as it was before the
/// consolidation, `migrated` folded into coordizer_vocabulary with the legacy tables dropped.
/// Built once per test process from `PGCUTOVER_TEST_DATABASE_URL`.
struct DifferentialDatabases: Sendable {
    let legacy: Psql
    let migrated: Psql

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "PGCUTOVER_TEST_DATABASE_URL is not set; start a server with scripts/postgres.sh start PORT"
                + " and export the URL it prints"
        }
    }

    static let shared: Result<DifferentialDatabases, any Error> = Result { try create() }

    private static func create() throws -> DifferentialDatabases {
        guard let url = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_DATABASE_URL"], !url.isEmpty else {
            throw MissingServer()
        }
        let admin = Psql(url: url)
        let legacyName = "pgcutover_rewriter_legacy"
        let migratedName = "pgcutover_rewriter_migrated"
        try admin.run(
            """
            DROP DATABASE IF EXISTS \(migratedName);
            DROP DATABASE IF EXISTS \(legacyName);
            CREATE DATABASE \(legacyName);
            """)
        let legacy = admin.database(legacyName)
        try legacy.run(try RepositoryFiles.fixture("legacy.sql"))
        // A copy of the legacy database, so DEFAULT now() values are identical in both.
        try admin.run("CREATE DATABASE \(migratedName) TEMPLATE \(legacyName);")
        let migrated = admin.database(migratedName)
        for file in try RepositoryFiles.migratedDatabaseFiles() {
            try migrated.run(try RepositoryFiles.text(file))
        }
        return DifferentialDatabases(legacy: legacy, migrated: migrated)
    }
}
