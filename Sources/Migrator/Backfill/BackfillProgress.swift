/// What the backfill tells its caller as it goes; the command line draws a bar or logs lines from it.
public enum BackfillEvent: Sendable {
    case message(String)
    /// Main pass: `done` of `total` token ids covered, `updated` rows changed so far.
    case progress(done: Int, total: Int, updated: Int)
}

/// The outcome of one `up` run of the backfill.
public struct BackfillSummary: Sendable, Equatable {
    /// True when the run stopped at `maxBatches` before the main pass finished.
    public var interrupted = false
    public var batches = 0
    public var rowsUpdated = 0
    public var tokensCreated = 0
    public var catchUpPasses = 0
    public var catchUpRows = 0
    /// Tokens still out of step after the last catch-up pass (legacy writes keep arriving).
    public var stillChanging = 0
    /// Relationship rows left out of the JSON by the cap (all of them are in pgcutover_dropped_relationships).
    public var droppedByCap = 0
    public var droppedExamples: [String] = []
}
