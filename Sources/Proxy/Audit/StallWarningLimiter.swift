import NIOCore

/// Decides when a stalled audit sink is worth a warning: the first time, then at most once per
/// interval, so a sink that stays slow does not flood the log it is slowing down.
struct StallWarningLimiter {
    let interval: TimeAmount
    private var lastWarning: NIODeadline?
    private var suppressed = 0

    init(interval: TimeAmount = .seconds(60)) {
        self.interval = interval
    }

    /// For a stall at `now`: nil when no warning is due, otherwise the number of stalls since
    /// the last warning that were not warned about.
    mutating func stallOccurred(at now: NIODeadline) -> Int? {
        if let lastWarning, now - lastWarning < interval {
            suppressed += 1
            return nil
        }
        lastWarning = now
        defer { suppressed = 0 }
        return suppressed
    }
}
