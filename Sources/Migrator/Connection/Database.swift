import Logging
import PostgresNIO

/// One server connection with the few operations the migrator needs.
public struct Database: Sendable {
    public let connection: PostgresConnection
    public let settings: ConnectionSettings
    let logger: Logger

    public static func connect(_ settings: ConnectionSettings, logger: Logger? = nil) async throws -> Database {
        let logger = logger ?? Logger(label: "pgcutover.migrator", factory: { _ in SwiftLogNoOpLogHandler() })
        do {
            let connection = try await PostgresConnection.connect(
                configuration: settings.configuration(), id: 1, logger: logger)
            return Database(connection: connection, settings: settings, logger: logger)
        } catch {
            throw MigratorError(
                error, context: "cannot connect to \(settings.host):\(settings.port)/\(settings.database) as \(settings.user)")
        }
    }

    public func close() async {
        try? await connection.close()
    }

    /// Runs one statement given as text (DDL, migration steps); nothing from users is interpolated.
    public func execute(_ sql: String) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }

    /// A single integer (or NULL) from a one-row, one-column query.
    public func scalarInt(_ query: PostgresQuery) async throws -> Int? {
        for try await value in try await connection.query(query, logger: logger).decode(Int?.self) {
            return value
        }
        return nil
    }

    public func scalarString(_ query: PostgresQuery) async throws -> String? {
        for try await value in try await connection.query(query, logger: logger).decode(String?.self) {
            return value
        }
        return nil
    }

    /// BEGIN ... COMMIT around `body`, ROLLBACK when it throws.
    public func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await execute("BEGIN")
        do {
            let value = try await body()
            try await execute("COMMIT")
            return value
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
    }

    public func tableExists(_ name: String) async throws -> Bool {
        try await scalarInt("SELECT CASE WHEN to_regclass(\(name)) IS NULL THEN 0 ELSE 1 END") == 1
    }
}
