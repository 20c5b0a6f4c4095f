import Foundation
import NIOConcurrencyHelpers
import Proxy

/// An audit sink that keeps what it is given, and can be slow, write short, or fail, as disks do.
final class MemoryAuditSink: AuditSink {
    struct Behaviour {
        /// Slept before every write, to make the sink the bottleneck.
        var delay: TimeInterval = 0
        /// At most this many bytes per write (short writes).
        var maximumWrite = Int.max
        /// This many writes fail before any succeeds.
        var failures = 0
    }

    private struct State {
        var bytes: [UInt8] = []
        var failuresLeft: Int
        var writes = 0
        var reopens = 0
        var closed = false
    }

    private let behaviour: Behaviour
    private let state: NIOLockedValueBox<State>

    init(_ behaviour: Behaviour = Behaviour()) {
        self.behaviour = behaviour
        self.state = NIOLockedValueBox(State(failuresLeft: behaviour.failures))
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        if behaviour.delay > 0 { Thread.sleep(forTimeInterval: behaviour.delay) }
        return try state.withLockedValue { state in
            precondition(!state.closed, "write after close")
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw AuditSinkError(operation: "write", path: "memory", errno: EIO)
            }
            let count = min(bytes.count, behaviour.maximumWrite)
            state.bytes.append(contentsOf: bytes.prefix(count))
            state.writes += 1
            return count
        }
    }

    func reopen() throws {
        state.withLockedValue { $0.reopens += 1 }
    }

    func close() throws {
        state.withLockedValue { $0.closed = true }
    }

    var lines: [String] {
        state.withLockedValue { String(decoding: $0.bytes, as: UTF8.self) }
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    var writes: Int { state.withLockedValue { $0.writes } }
    var isClosed: Bool { state.withLockedValue { $0.closed } }
}
