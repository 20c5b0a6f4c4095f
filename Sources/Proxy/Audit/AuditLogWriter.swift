import Foundation
import Logging
import NIOCore

extension AuditLog {
    /// The loop of the writer thread: take everything queued, encode it into one buffer, write it
    /// with as few system calls as the sink allows, retry failures, and never give a record up.
    struct Writer: Sendable {
        let core: Core
        let sink: any AuditSink
        let fallback: any AuditSink
        let logger: Logger
        /// Attempts at a failing write once shutdown began, before the lines go to `fallback`.
        var shutdownAttempts = 20

        func run() {
            var buffer: [UInt8] = []
            while true {
                let work = core.takeWork()
                for waiter in work.released { waiter.resume() }
                if work.reopen { reopenSink() }
                if !work.records.isEmpty {
                    buffer.removeAll(keepingCapacity: true)
                    for entry in work.records { entry.resolved.encodeLine(into: &buffer) }
                    writeFully(buffer, to: sink)
                    core.recordWritten(work.records.count)
                }
                if let shutdownWaiters = work.shutdownWaiters {
                    do {
                        try sink.close()
                    } catch {
                        logger.error("closing the audit log failed", metadata: ["error": "\(error)"])
                    }
                    for waiter in shutdownWaiters { waiter.resume() }
                    return
                }
            }
        }

        private func reopenSink() {
            do {
                try sink.reopen()
                logger.info("audit log reopened")
            } catch {
                // The old destination is still open: lines keep going there.
                logger.error("reopening the audit log failed; writing on to the old file", metadata: ["error": "\(error)"])
            }
        }

        private func writeFully(_ bytes: [UInt8], to sink: any AuditSink) {
            var offset = 0
            var failures = 0
            var lastReport: NIODeadline?
            while offset < bytes.count {
                do {
                    let written = try bytes.withUnsafeBytes { all in
                        try sink.write(UnsafeRawBufferPointer(rebasing: all[offset...]))
                    }
                    guard written > 0 else { throw AuditSinkError(operation: "write (0 bytes)", path: "", errno: 0) }
                    offset += written
                    failures = 0
                } catch {
                    failures += 1
                    core.recordWriteError()
                    let now = NIODeadline.now()
                    if lastReport.map({ now - $0 >= .seconds(60) }) ?? true {
                        lastReport = now
                        logger.error(
                            "writing the audit log failed; retrying, sessions pause while the queue is full",
                            metadata: ["error": "\(error)", "failures": "\(failures)"])
                    }
                    if core.takeReopenRequest() { reopenSink() }
                    let shuttingDown = core.isShuttingDown
                    if shuttingDown && failures >= shutdownAttempts {
                        spill(Array(bytes[offset...]))
                        return
                    }
                    // 10 ms doubling to 5 s: quick recovery from a blip, no busy loop on a full disk.
                    // At shutdown at most 100 ms, so that a dead disk delays exit by seconds, not minutes.
                    let delay = min(0.01 * pow(2, Double(min(failures - 1, 10))), shuttingDown ? 0.1 : 5)
                    Thread.sleep(forTimeInterval: delay)
                }
            }
        }

        /// The last resort at shutdown when the sink keeps failing: the lines are not lost, they
        /// go to the fallback (standard error, where the service manager keeps them).
        private func spill(_ rest: [UInt8]) {
            logger.critical("audit log unwritable at shutdown: the remaining lines go to the fallback (standard error)")
            var offset = 0
            while offset < rest.count {
                let written = (try? rest.withUnsafeBytes { try fallback.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) ?? 0
                guard written > 0 else {
                    logger.critical("the audit fallback failed too: \(rest.count - offset) bytes of audit lines are lost")
                    return
                }
                offset += written
            }
        }
    }
}
