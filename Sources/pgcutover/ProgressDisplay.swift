import Foundation
import Migrator
import Synchronization

/// Shows backfill progress on stderr: a redrawn bar (rows, rate, ETA) on a terminal, a plain log line
/// at most every two seconds otherwise (CI logs, files).
final class ProgressDisplay: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastLine = ContinuousClock.now - .seconds(10)
        var barShown = false
    }

    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    func handle(_ event: BackfillEvent) {
        state.withLock { state in
            switch event {
            case .message(let text):
                if state.barShown { write("\n"); state.barShown = false }
                write("\(text)\n")
            case .progress(let done, let doneAtStart, let total, let updated):
                let now = ContinuousClock.now
                let estimate = ProgressEstimate(doneAtStart: doneAtStart, done: done, total: total,
                                                elapsed: state.started.duration(to: now))
                let eta = estimate.secondsLeft.map { "\(Int($0.rounded())) s" } ?? "?"
                let text = "\(done)/\(total) tokens, \(updated) rows updated, \(Int(estimate.rate)) tokens/s, ETA \(eta)"
                if isTerminal {
                    let width = 30
                    let filled = total > 0 ? width * done / total : width
                    write("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                        + "] " + text + "\u{1B}[K")
                    state.barShown = true
                    if done >= total { write("\n"); state.barShown = false }
                } else if done >= total || Self.seconds(state.lastLine.duration(to: now)) >= 2 {
                    write("backfill: \(text)\n")
                    state.lastLine = now
                }
            }
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
