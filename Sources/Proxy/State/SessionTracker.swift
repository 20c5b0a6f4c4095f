import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The live sessions, so a shutdown can ask each to drain and, at the deadline, close what is left,
/// and the admin console can list them.
public final class SessionTracker: Sendable {
    /// The handler is only reached through `eventLoop.execute`, on its own loop, which
    /// NIOLoopBound checks.
    private struct Entry: Sendable {
        let handler: NIOLoopBound<ClientSessionHandler>
        let eventLoop: any EventLoop
    }

    private let entries = NIOLockedValueBox<(sessions: [UInt64: Entry], draining: Bool)>(([:], false))
    private let nextID = NIOLockedValueBox<UInt64>(0)
    /// What each session last published, for SHOW SESSIONS: the session writes its cell without
    /// going through this dictionary's lock.
    private let statuses = NIOLockedValueBox<[UInt64: SessionStatusCell]>([:])
    /// Sessions counted against `max_client_connections`: admitted at accept, released at the end.
    private let admitted = NIOLockedValueBox<Int>(0)
    private let active = Gauge(label: "pgcutover_sessions")
    private let total = CoreMetrics.Counter(label: "pgcutover_sessions_total")

    public init() {}

    public var count: Int { entries.withLockedValue { $0.sessions.count } }

    func makeID() -> UInt64 {
        nextID.withLockedValue {
            $0 += 1
            return $0
        }
    }

    /// Counts a new session against `limit` (0: none) and says whether it fits. Connections
    /// still in startup count, as on the server: a slot is taken from accept to close.
    func admit(limit: Int) -> Bool {
        admitted.withLockedValue {
            guard limit == 0 || $0 < limit else { return false }
            $0 += 1
            return true
        }
    }

    /// A session that `admit` counted has ended.
    func release() {
        admitted.withLockedValue { $0 -= 1 }
    }

    /// A session accepted while a drain is under way (it raced the listener's close) is asked to
    /// drain at once, so it cannot hold the shutdown up to its deadline.
    /// Returns the cell the session publishes its status into.
    func add(_ handler: ClientSessionHandler, id: UInt64, eventLoop: any EventLoop) -> SessionStatusCell {
        let cell = SessionStatusCell()
        statuses.withLockedValue { $0[id] = cell }
        let entry = Entry(handler: NIOLoopBound(handler, eventLoop: eventLoop), eventLoop: eventLoop)
        let draining = entries.withLockedValue {
            $0.sessions[id] = entry
            // Recorded under the lock, so concurrent adds and removes cannot leave a stale count.
            active.record($0.sessions.count)
            return $0.draining
        }
        total.increment()
        if draining {
            eventLoop.execute { entry.handler.value.drain() }
        }
        return cell
    }

    func remove(id: UInt64) {
        entries.withLockedValue {
            $0.sessions.removeValue(forKey: id)
            active.record($0.sessions.count)
        }
        _ = statuses.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Every live session's last published status, oldest first.
    public var statusList: [SessionStatus] {
        statuses.withLockedValue { Array($0.values) }.compactMap(\.status).sorted { $0.id < $1.id }
    }

    /// Asks every session to end at its next idle moment.
    public func drainAll() {
        let sessions = entries.withLockedValue {
            $0.draining = true
            return Array($0.sessions.values)
        }
        for entry in sessions {
            entry.eventLoop.execute { entry.handler.value.drain() }
        }
    }

    /// Ends every session now, at the shutdown deadline.
    public func closeAll() {
        for entry in entries.withLockedValue({ Array($0.sessions.values) }) {
            entry.eventLoop.execute { entry.handler.value.forceClose() }
        }
    }
}
