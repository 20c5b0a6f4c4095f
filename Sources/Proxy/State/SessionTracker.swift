import NIOConcurrencyHelpers
import NIOCore

/// The live sessions, so a shutdown can ask each to drain and, at the deadline, close what is left.
public final class SessionTracker: Sendable {
    /// The handler is only reached through `eventLoop.execute`, on its own loop, which
    /// NIOLoopBound checks.
    private struct Entry: Sendable {
        let handler: NIOLoopBound<ClientSessionHandler>
        let eventLoop: any EventLoop
    }

    private let entries = NIOLockedValueBox<[UInt64: Entry]>([:])
    private let nextID = NIOLockedValueBox<UInt64>(0)

    public init() {}

    public var count: Int { entries.withLockedValue { $0.count } }

    func makeID() -> UInt64 {
        nextID.withLockedValue {
            $0 += 1
            return $0
        }
    }

    func add(_ handler: ClientSessionHandler, id: UInt64, eventLoop: any EventLoop) {
        let entry = Entry(handler: NIOLoopBound(handler, eventLoop: eventLoop), eventLoop: eventLoop)
        entries.withLockedValue { $0[id] = entry }
    }

    func remove(id: UInt64) {
        _ = entries.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Asks every session to end at its next idle moment.
    public func drainAll() {
        for entry in entries.withLockedValue({ Array($0.values) }) {
            entry.eventLoop.execute { entry.handler.value.drain() }
        }
    }

    /// Ends every session now, at the shutdown deadline.
    public func closeAll() {
        for entry in entries.withLockedValue({ Array($0.values) }) {
            entry.eventLoop.execute { entry.handler.value.forceClose() }
        }
    }
}
