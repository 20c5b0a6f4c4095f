/// A statement of the admin console. Commands are words, not SQL: case, extra blanks and a
/// trailing semicolon do not matter.
public enum AdminCommand: String, CaseIterable, Sendable {
    case showSessions = "SHOW SESSIONS"
    case showStats = "SHOW STATS"
    case showConfig = "SHOW CONFIG"
    case showRules = "SHOW RULES"
    case showHelp = "SHOW HELP"
    case reload = "RELOAD"

    /// nil for text that is no command.
    public init?(_ sql: String) {
        var text = Substring(sql)
        while let last = text.last, last.isWhitespace || last == ";" { text = text.dropLast() }
        let words = text.split(whereSeparator: \.isWhitespace).map { $0.uppercased() }
        guard let command = Self(rawValue: words.joined(separator: " ")) else { return nil }
        self = command
    }

    public static func isEmpty(_ sql: String) -> Bool {
        sql.allSatisfy { $0.isWhitespace || $0 == ";" }
    }

    public var summary: String {
        switch self {
        case .showSessions: "client sessions: address, user, database, application_name, state, modes"
        case .showStats: "statements by table, mode and action since start; sessions; shadow comparisons"
        case .showConfig: "the running configuration, secrets masked"
        case .showRules: "per-table defaults and cutover rules"
        case .showHelp: "this list"
        case .reload: "read the config file again; on error the running configuration stays"
        }
    }

    public static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
