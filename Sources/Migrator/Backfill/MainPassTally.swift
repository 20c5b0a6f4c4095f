/// What the main pass's connections share: the `--max-batches` budget (claimed before each batch, so
/// exactly that many run whatever the number of connections) and the running totals for the progress
/// bar and the summary.
actor MainPassTally {
    private let limit: Int?
    private(set) var batches = 0
    private(set) var rowsUpdated = 0
    private(set) var done: Int
    /// Covered by earlier runs when this one resumed the pass.
    let doneAtStart: Int
    let total: Int
    private(set) var interrupted = false

    init(limit: Int?, done: Int, total: Int) {
        self.limit = limit
        self.done = done
        doneAtStart = done
        self.total = total
    }

    /// False once the budget is spent; the lane stops there and the pass counts as interrupted.
    func claim() -> Bool {
        if let limit, batches >= limit {
            interrupted = true
            return false
        }
        batches += 1
        return true
    }

    func finished(ids: Int, updated: Int) -> BackfillEvent {
        done += ids
        rowsUpdated += updated
        return .progress(done: done, doneAtStart: doneAtStart, total: total, updated: rowsUpdated)
    }
}
