/// How the single-table backfill treats what the seed's migration silently lost.
public struct BackfillOptions: Sendable, Equatable {
    public enum MissingTokenPolicy: String, Sendable, CaseIterable {
        /// Keep the word in a new token row with `active = false`, so generation never sees it.
        case create
        /// Stop before changing anything, listing the words.
        case fail
    }

    /// Keep only the top N relationships per word (cooccurrence_count desc, then id); nil keeps all.
    public var relationshipsCap: Int?
    public var onMissingToken: MissingTokenPolicy
    /// Token ids per batch (one short transaction each).
    public var batchSize: Int
    /// Connections the main pass runs its batches on at once (each batch is still one short transaction).
    public var jobs: Int
    /// Stop after this many main-pass batches (tests use it to interrupt at a batch boundary).
    public var maxBatches: Int?
    /// How many times to look for tokens whose legacy rows changed behind the main pass.
    public var catchUpPasses: Int
    /// Run the catch-up passes even though an earlier run completed the backfill. Only while the legacy
    /// tables are the source of truth: after the cutover it would overwrite JSON-only writes.
    public var repair: Bool

    public init(relationshipsCap: Int? = nil, onMissingToken: MissingTokenPolicy = .create, batchSize: Int = 500,
                maxBatches: Int? = nil, catchUpPasses: Int = 5, repair: Bool = false, jobs: Int = 2) {
        self.jobs = jobs
        self.repair = repair
        self.relationshipsCap = relationshipsCap
        self.onMissingToken = onMissingToken
        self.batchSize = batchSize
        self.maxBatches = maxBatches
        self.catchUpPasses = catchUpPasses
    }
}
