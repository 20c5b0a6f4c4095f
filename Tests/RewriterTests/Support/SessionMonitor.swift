import Foundation

/// Watches sessions through `pg_stat_activity` from a separate connection.
struct SessionMonitor {
    let admin: Psql
    let database: String

    struct Timeout: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out waiting for \(what)" }
    }

    enum State: Equatable {
        case idleInTransaction
        case blocked
    }

    /// Polls until the session is idle inside its transaction (its statement finished) or, when
    /// `blockedBy` is given, waits on a lock held by that session. Fails after `timeout`.
    func wait(for session: String, blockedBy holder: String? = nil, timeout: TimeInterval = 60) throws -> State {
        let deadline = Date().addingTimeInterval(timeout)
        let blocked = holder.map { holder in
            """
            , EXISTS (SELECT 1 FROM pg_stat_activity h WHERE h.datname = s.datname
                AND h.application_name = '\(holder)' AND h.pid = ANY(pg_blocking_pids(s.pid)))
            """
        } ?? ", false"
        let query = """
            SELECT s.state\(blocked) FROM pg_stat_activity s
            WHERE s.datname = '\(database)' AND s.application_name = '\(session)';
            """
        while Date() < deadline {
            let row = try admin.run(query).trimmingCharacters(in: .whitespacesAndNewlines)
                .components(separatedBy: Psql.fieldSeparator)
            if row.count == 2 {
                if row[0].hasPrefix("idle in transaction") { return .idleInTransaction }
                if row[1] == "t" { return .blocked }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw Timeout(what: "\(session) in \(database)")
    }
}
