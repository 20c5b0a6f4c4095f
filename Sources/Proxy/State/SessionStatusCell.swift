import Synchronization

/// One session's line of SHOW SESSIONS. Its state changes twice per transaction (active, then
/// idle), on the session's event loop, while the console reads it from another: an atomic store
/// keeps that off any lock. Who the session is changes only at startup, under a mutex.
final class SessionStatusCell: Sendable {
    private let identity = Mutex<SessionStatus?>(nil)
    private let state = Atomic<UInt8>(0)

    /// Everything, when the session's identity is set or changed.
    func publish(_ status: SessionStatus) {
        identity.withLock { $0 = status }
        state.store(Self.code(status.state), ordering: .releasing)
    }

    /// Only the state, on every change after the first `publish(_:)`.
    func publish(state newState: SessionStatus.State) {
        state.store(Self.code(newState), ordering: .releasing)
    }

    /// Nil until the session first published.
    var status: SessionStatus? {
        let code = state.load(ordering: .acquiring)
        guard var status = identity.withLock({ $0 }) else { return nil }
        status.state = Self.state(code)
        return status
    }

    // A switch, not `allCases.firstIndex`: `allCases` builds an array on every call, and this
    // runs twice per transaction.
    private static func code(_ state: SessionStatus.State) -> UInt8 {
        switch state {
        case .startup: 0
        case .idle: 1
        case .active: 2
        case .inTransaction: 3
        case .failedTransaction: 4
        case .admin: 5
        }
    }

    private static func state(_ code: UInt8) -> SessionStatus.State {
        switch code {
        case 1: .idle
        case 2: .active
        case 3: .inTransaction
        case 4: .failedTransaction
        case 5: .admin
        default: .startup
        }
    }
}
