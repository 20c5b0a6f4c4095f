/// The outcome of one `up` run of the backfill.
public struct BackfillSummary: Sendable, Equatable {
    /// True when the run stopped at `maxBatches` before the main pass finished.
    public var interrupted = false
    /// True when an earlier run completed the backfill and this one (without `repair`) did nothing.
    public var alreadyComplete = false
    public var batches = 0
    public var rowsUpdated = 0
    public var tokensCreated = 0
    public var catchUpPasses = 0
    public var catchUpRows = 0
    /// Tokens the last catch-up pass found out of step, when every pass found some: legacy writes keep
    /// arriving (without dual-write). Zero when a pass found nothing.
    public var stillChanging = 0
    /// Relationship rows left out of the JSON by the cap (all of them are in pgcutover_dropped_relationships).
    public var droppedByCap = 0
    public var droppedExamples: [String] = []
    public var mainPassTime = Duration.zero
    public var catchUpTime = Duration.zero
    /// The migration's steps before the backfill marker (0020: the columns and the index builds), set by the runner.
    public var stepsBeforeBackfillTime = Duration.zero
    /// The migration's steps after the backfill marker (none in 0020), set by the runner.
    public var stepsAfterBackfillTime = Duration.zero
}
