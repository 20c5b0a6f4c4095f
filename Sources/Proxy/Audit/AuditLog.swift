import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The audit log: sessions submit records, one writer thread encodes and writes them in batches.
///
/// Nothing is ever dropped. `submit` always takes the record and never blocks; when the queue
/// holds `capacity` records or more it answers `.pause`, and the session stops reading from its
/// client until the writer has taken the queue, so a slow disk slows the clients down instead of
/// losing lines. The queue can exceed `capacity` only by what paused sessions had already read
/// (each submits the records of statements in flight, then reads nothing more).
///
/// The writer is a dedicated thread, not a Task: `write(2)` to a slow disk blocks, and a blocked
/// Task would hold one of the few threads of Swift's cooperative pool (two on this project's
/// machines) that the rest of the process needs; NIO's event loops must not block either.
public final class AuditLog: Sendable {
    /// Counters for metrics.
    public struct Statistics: Sendable, Equatable {
        /// Submissions answered with `.pause` (or that waited, for the async `submit`).
        public var stalls = 0
        /// Records written to the sink.
        public var written = 0
        /// Records waiting for the writer.
        public var queued = 0
        /// Failed writes (each was retried).
        public var writeErrors = 0
    }

    public let capacity: Int
    private let core: Core
    /// Submissions that found the queue full and paused their session.
    private let queueFull = CoreMetrics.Counter(label: "pgcutover_audit_queue_full_total")
    private let logger: Logger

    /// Starts the writer thread. `capacity` is the queue length at which sessions pause.
    /// Call `shutdown()` before letting go of the log: it is what stops the thread.
    /// `fallback` takes the lines the sink still refuses after repeated attempts at shutdown.
    public init(
        sink: any AuditSink, capacity: Int = 4096, logger: Logger,
        fallback: any AuditSink = StandardStreamAuditSink.standardError
    ) {
        precondition(capacity >= 1, "an audit queue holds at least one record")
        self.capacity = capacity
        self.logger = logger
        self.core = Core(capacity: capacity)
        let writer = Writer(core: core, sink: sink, fallback: fallback, logger: logger)
        let thread = Thread { writer.run() }
        thread.name = "pgcutover-audit"
        thread.start()
    }

    /// Queues `record` without blocking. On `.pause`, read nothing more from the client until the
    /// future completes; records submitted meanwhile are still taken, in order. With `source`,
    /// the writer fills in the record's fingerprint and normalized texts from it.
    public func submit(
        _ record: AuditRecord, source: AuditStatementSource? = nil, eventLoop: any EventLoop
    ) -> AuditAdmission {
        let entry = Entry(record: record, source: source)
        let (admission, warning) = core.enqueue(entry) { .promise(eventLoop.makePromise(of: Void.self)) }
        warnIfDue(warning)
        switch admission {
        case .proceed:
            return .proceed
        case .wait(.promise(let promise)):
            queueFull.increment()
            return .pause(promise.futureResult)
        case .wait(.continuation):
            preconditionFailure("submit(_:eventLoop:) registers promises only")
        case .refused:
            logger.error("audit record submitted after the audit log shut down; it is not written")
            return .proceed
        }
    }

    /// Queues `record`, waiting while the queue is full. For callers outside an event loop.
    public func submit(_ record: AuditRecord, source: AuditStatementSource? = nil) async {
        let entry = Entry(record: record, source: source)
        let refused: Bool = await withCheckedContinuation { continuation in
            let (admission, warning) = core.enqueue(entry) { .continuation(continuation) }
            warnIfDue(warning)
            switch admission {
            case .proceed: continuation.resume(returning: false)
            case .wait: queueFull.increment()  // resumed by the writer
            case .refused: continuation.resume(returning: true)
            }
        }
        if refused {
            logger.error("audit record submitted after the audit log shut down; it is not written")
        }
    }

    /// Asks the writer to reopen the sink (a file by its name) before its next write: call it on
    /// SIGUSR1 after logrotate renamed the file. Lines already taken go to the old file.
    public func reopen() {
        core.requestReopen()
    }

    /// Writes every queued record, closes the sink, and returns. Submissions afterwards are
    /// logged as errors and not written.
    public func shutdown() async {
        await withCheckedContinuation { continuation in
            core.requestShutdown(continuation)
        }
    }

    public var statistics: Statistics {
        core.statistics
    }

    private func warnIfDue(_ suppressed: Int?) {
        guard let suppressed else { return }
        logger.warning(
            "audit log sink is behind: sessions are paused until it catches up",
            metadata: [
                "audit_queue_capacity": "\(capacity)",
                "audit_stalls_not_reported": "\(suppressed)",
                "audit_stalls_total": "\(core.statistics.stalls)",
            ])
    }
}

extension AuditLog {
    /// A queued record, and the statement text the writer derives its identity from.
    struct Entry: Sendable {
        var record: AuditRecord
        var source: AuditStatementSource?

        /// The record as it is written.
        var resolved: AuditRecord {
            guard let source else { return record }
            var record = self.record
            let text = source.text
            record.fingerprint = text.fingerprint
            record.statement = text.statement
            record.rewrittenStatement = text.rewrittenStatement
            return record
        }
    }

    /// Someone waiting for room in the queue.
    enum Waiter {
        case promise(EventLoopPromise<Void>)
        case continuation(CheckedContinuation<Bool, Never>)

        func resume() {
            switch self {
            case .promise(let promise): promise.succeed()
            case .continuation(let continuation): continuation.resume(returning: false)
            }
        }
    }

    enum Admission {
        case proceed
        case wait(Waiter)
        case refused
    }

    /// What the writer takes from the queue in one go.
    struct Work {
        var records: [Entry]
        var reopen: Bool
        /// Waiting sessions to resume: the queue has room again.
        var released: [Waiter]
        /// Set when the queue is empty and shutdown was asked: the writer closes the sink and stops.
        var shutdownWaiters: [CheckedContinuation<Void, Never>]?
    }

    /// The state shared by submitters and the writer.
    ///
    /// `@unchecked Sendable` is safe because every stored `var` is read and written only between
    /// `lock.lock…` and `lock.unlock…` in the methods below, and the lock's value, "the writer
    /// has something to do", is recomputed from that state at every unlock.
    final class Core: @unchecked Sendable {
        private let lock = ConditionLock(value: false)
        private let capacity: Int
        private var queue = CircularBuffer<Entry>()
        private var waiters: [Waiter] = []
        private var reopenRequested = false
        private var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        private var shuttingDown = false
        private var finished = false
        private var counters = Statistics()
        private var stallWarnings = StallWarningLimiter()

        init(capacity: Int) {
            self.capacity = capacity
        }

        private var hasWork: Bool {
            !queue.isEmpty || reopenRequested || shuttingDown
        }

        /// Returns the admission and, when a stall warning is due, the number of stalls not warned about.
        func enqueue(_ entry: Entry, waiter: () -> Waiter) -> (Admission, Int?) {
            lock.lock()
            guard !finished else {
                lock.unlock(withValue: hasWork)
                return (.refused, nil)
            }
            queue.append(entry)
            var admission = Admission.proceed
            var warning: Int?
            if queue.count >= capacity {
                let waiting = waiter()
                waiters.append(waiting)
                counters.stalls += 1
                warning = stallWarnings.stallOccurred(at: .now())
                admission = .wait(waiting)
            }
            lock.unlock(withValue: true)
            return (admission, warning)
        }

        func requestReopen() {
            lock.lock()
            reopenRequested = !finished
            lock.unlock(withValue: hasWork)
        }

        func requestShutdown(_ continuation: CheckedContinuation<Void, Never>) {
            lock.lock()
            if finished {
                lock.unlock(withValue: hasWork)
                continuation.resume()
                return
            }
            shuttingDown = true
            shutdownWaiters.append(continuation)
            lock.unlock(withValue: true)
        }

        /// Blocks until there is something to do, and takes all of it.
        func takeWork() -> Work {
            lock.lock(whenValue: true)
            var work = Work(records: Array(queue), reopen: reopenRequested, released: waiters)
            queue.removeAll(keepingCapacity: true)
            waiters = []
            reopenRequested = false
            counters.queued = 0
            if work.records.isEmpty && !work.reopen && shuttingDown {
                finished = true
                work.shutdownWaiters = shutdownWaiters
                shutdownWaiters = []
            }
            // While shutting down the writer comes back until it finds the queue empty.
            lock.unlock(withValue: hasWork && !finished)
            return work
        }

        /// True when a reopen was asked while a write keeps failing (a full disk logrotate freed).
        func takeReopenRequest() -> Bool {
            lock.lock()
            defer { reopenRequested = false; lock.unlock(withValue: hasWork) }
            return reopenRequested
        }

        var isShuttingDown: Bool {
            lock.lock()
            defer { lock.unlock(withValue: hasWork) }
            return shuttingDown
        }

        func recordWritten(_ count: Int) {
            lock.lock()
            counters.written += count
            lock.unlock(withValue: hasWork)
        }

        func recordWriteError() {
            lock.lock()
            counters.writeErrors += 1
            lock.unlock(withValue: hasWork)
        }

        var statistics: Statistics {
            lock.lock()
            var snapshot = counters
            snapshot.queued = queue.count
            lock.unlock(withValue: hasWork)
            return snapshot
        }
    }
}
