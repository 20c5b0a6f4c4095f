import PostgresNIO

/// A failure the migrator reports, shaped like a Postgres ErrorResponse so the command line (and the
/// proxy, should it ever relay one) can print SQLSTATE, message, detail and hint the usual way.
public struct MigratorError: Error, Sendable, CustomStringConvertible {
    public var sqlState: String
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(sqlState: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    public var description: String {
        var text = "\(message) (SQLSTATE \(sqlState))"
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    /// Wraps any error; a server error keeps its own fields, since PSQLError's description hides them.
    public init(_ error: any Error, context: String) {
        if let mine = error as? MigratorError {
            self = mine
            self.message = "\(context): \(mine.message)"
        } else if let psql = error as? PSQLError, let info = psql.serverInfo {
            self.init(
                sqlState: info[.sqlState] ?? "XX000",
                message: "\(context): \(info[.message] ?? "server error")",
                detail: info[.detail],
                hint: info[.hint]
            )
        } else if let psql = error as? PSQLError {
            self.init(sqlState: "08006", message: "\(context): \(psql.code)")
        } else {
            self.init(sqlState: "XX000", message: "\(context): \(error)")
        }
    }

    /// The SQLSTATE of a server error, if the error came from the server.
    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
