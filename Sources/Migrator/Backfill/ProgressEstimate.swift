/// The rate and time left of a main pass, from the work of this run only. A resumed run starts with
/// the token ids earlier runs covered; counting those as done in this run's time made a run resumed at
/// half-way claim twice its real rate and half its real time left.
public struct ProgressEstimate: Sendable, Equatable {
    /// Token ids per second covered by this run.
    public let rate: Double
    /// Seconds until the pass is done at that rate; nil while this run has covered nothing yet.
    public let secondsLeft: Double?

    /// `doneAtStart`: ids covered before this run; `done`: covered now, earlier runs included;
    /// `elapsed`: time since this run started.
    public init(doneAtStart: Int, done: Int, total: Int, elapsed: Duration) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let covered = max(0, done - doneAtStart)
        rate = seconds > 0 ? Double(covered) / seconds : 0
        secondsLeft = rate > 0 ? Double(max(0, total - done)) / rate : nil
    }
}
