/// Hands the main pass's unfinished lanes to its connections, one at a time, in id order.
actor LaneQueue {
    private var lanes: [BackfillLane]

    init(_ lanes: [BackfillLane]) { self.lanes = lanes.reversed() }

    func next() -> BackfillLane? { lanes.popLast() }
}
