/// How the proxy produces the command tag the legacy client expects for a rewritten statement.
public enum CommandTagRule: Sendable, Equatable {
    /// The server's own tag is already right (reads: `SELECT n`, `COPY n`).
    case fromServer
}
