/// One contiguous slice of the main pass's token ids, walked in batches by one connection. The pass is
/// cut into several lanes, more than there are connections, so a connection that finishes its lane
/// early takes another instead of idling while the last one runs alone. Each lane's position is its
/// own element of the progress row (`lane_next[index]`), advanced in the transaction of each batch.
struct BackfillLane: Sendable, Equatable {
    /// 1-based, as the SQL array element it is stored in.
    var index: Int
    var next: Int
    var end: Int

    /// Lanes of whole batches covering `start..<end`, their batch counts differing by one at most.
    static func split(start: Int, end: Int, batchSize: Int, lanes: Int) -> [BackfillLane] {
        let batches = (max(0, end - start) + batchSize - 1) / batchSize
        let count = max(1, min(lanes, batches))
        var lanes: [BackfillLane] = []
        var low = start
        for lane in 0..<count {
            let size = batches / count + (lane < batches % count ? 1 : 0)
            let high = min(end, low + size * batchSize)
            lanes.append(BackfillLane(index: lane + 1, next: low, end: max(low, high)))
            low = high
        }
        return lanes
    }
}
