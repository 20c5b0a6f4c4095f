/// Sizes a connection's main-pass batches by how long the previous one took.
///
/// A batch holds its tokens' rows locked until it commits, so a legacy writer (dual-write trigger,
/// or a write to `coordizer_vocabulary`) that touches one of them waits up to a whole batch. On a
/// loaded server a batch of the configured size can take seconds (2 s per batch at load average 10 in
/// docs/benchmarks.md, run H), longer than the lock timeout the issue bounds writers' waits by. So a
/// batch slower than `budget` halves the next one, down to `smallest`; one faster than a quarter of
/// the budget doubles it again, never past the configured size. Ranges stay contiguous, so a lane's
/// progress row and resume after a kill do not depend on the sizes.
struct BatchSizer: Sendable, Equatable {
    let largest: Int
    let smallest: Int
    let budget: Duration
    private(set) var current: Int

    init(largest: Int, budget: Duration) {
        self.largest = max(1, largest)
        smallest = max(1, self.largest / 16)
        self.budget = budget
        current = self.largest
    }

    /// Records a batch of `ids` token ids that held its locks for `elapsed`.
    mutating func record(ids: Int, elapsed: Duration) {
        if elapsed > budget {
            current = max(smallest, min(current, ids) / 2)
        } else if elapsed * 4 < budget, ids >= current {
            // Only a full batch says the size fits: a lane's short last range says nothing.
            current = min(largest, current * 2)
        }
    }
}
