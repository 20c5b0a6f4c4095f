import Foundation
import PostgresNIO

/// Where and how to connect, from a `postgresql://` URL or the libpq environment variables, so the
/// migrator is configured the way psql and every other Postgres tool is.
public struct ConnectionSettings: Sendable, Equatable {
    public enum SSLMode: String, Sendable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode

    public init(host: String = "localhost", port: Int = 5432, user: String, password: String? = nil,
                database: String? = nil, sslMode: SSLMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database ?? user
        self.sslMode = sslMode
    }

    /// `--database-url` wins; otherwise PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE.
    public static func resolve(url: String?, environment: [String: String]) throws -> ConnectionSettings {
        if let url { return try fromURL(url, environment: environment) }
        return try fromEnvironment(environment)
    }

    public static func fromEnvironment(_ env: [String: String]) throws -> ConnectionSettings {
        let user = env["PGUSER"] ?? env["USER"] ?? "postgres"
        var settings = ConnectionSettings(
            host: env["PGHOST"] ?? "localhost",
            port: 5432,
            user: user,
            password: env["PGPASSWORD"],
            database: env["PGDATABASE"]
        )
        if let port = env["PGPORT"] {
            guard let value = Int(port) else { throw invalid("PGPORT is not a number: \(port)") }
            settings.port = value
        }
        if let mode = env["PGSSLMODE"] {
            guard let value = SSLMode(rawValue: mode) else { throw invalid("unknown PGSSLMODE \(mode)") }
            settings.sslMode = value
        }
        return settings
    }

    /// Parses `postgresql://user:password@host:port/database?sslmode=...`; parts the URL leaves out
    /// come from the environment, as with libpq.
    public static func fromURL(_ url: String, environment: [String: String] = [:]) throws -> ConnectionSettings {
        guard let components = URLComponents(string: url),
              components.scheme == "postgresql" || components.scheme == "postgres"
        else { throw invalid("not a postgresql:// URL: \(url)") }
        var settings = try fromEnvironment(environment)
        if let host = components.host, !host.isEmpty { settings.host = host }
        if let port = components.port { settings.port = port }
        if let user = components.user, !user.isEmpty {
            settings.user = user
            settings.database = environment["PGDATABASE"] ?? user
        }
        if let password = components.password { settings.password = password }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if !path.isEmpty { settings.database = path }
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    throw invalid("unknown sslmode \(item.value ?? "")")
                }
                settings.sslMode = value
            case "host": if let value = item.value { settings.host = value }
            case "port": if let value = item.value.flatMap(Int.init) { settings.port = value }
            case "user": if let value = item.value { settings.user = value }
            case "password": settings.password = item.value
            case "dbname": if let value = item.value { settings.database = value }
            default: continue  // libpq options the migrator has no use for (application_name, ...)
            }
        }
        return settings
    }

    /// The same server, another database: tests and the benchmark create their own.
    public func with(database: String) -> ConnectionSettings {
        var copy = self
        copy.database = database
        return copy
    }

    func configuration() throws -> PostgresConnection.Configuration {
        if host.hasPrefix("/") {
            return .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password,
                         database: database)
        }
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable:
            tls = .disable
        case .allow, .prefer, .require, .verifyCA, .verifyFull:
            var config = TLSConfiguration.makeClientConfiguration()
            switch sslMode {
            case .verifyFull: config.certificateVerification = .fullVerification
            case .verifyCA: config.certificateVerification = .noHostnameVerification
            case .disable, .allow, .prefer, .require: config.certificateVerification = .none
            }
            let context = try NIOSSLContext(configuration: config)
            tls = (sslMode == .allow || sslMode == .prefer) ? .prefer(context) : .require(context)
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    private static func invalid(_ message: String) -> MigratorError {
        MigratorError(sqlState: "08001", message: message)
    }
}
