@testable import Migrator
import XCTest

final class ProgressEstimateTests: XCTestCase {
    /// Resumed at half-way: 500 of 1,000 ids done by an earlier run, 100 more in this run's 10 s. The
    /// rate is this run's 10 ids/s, so the 400 left take 40 s (counting the earlier 500 as this run's
    /// work would say 60 ids/s and under 7 s).
    func testResumeAtHalfwayCountsOnlyThisRunsWork() {
        let estimate = ProgressEstimate(doneAtStart: 500, done: 600, total: 1000, elapsed: .seconds(10))
        XCTAssertEqual(estimate.rate, 10, accuracy: 1e-9)
        XCTAssertEqual(estimate.secondsLeft ?? -1, 40, accuracy: 1e-9)
    }

    func testFreshRun() {
        let estimate = ProgressEstimate(doneAtStart: 0, done: 250, total: 1000, elapsed: .milliseconds(2500))
        XCTAssertEqual(estimate.rate, 100, accuracy: 1e-9)
        XCTAssertEqual(estimate.secondsLeft ?? -1, 7.5, accuracy: 1e-9)
        let finished = ProgressEstimate(doneAtStart: 0, done: 1000, total: 1000, elapsed: .seconds(4))
        XCTAssertEqual(finished.secondsLeft ?? -1, 0, accuracy: 1e-9)
    }

    func testNothingCoveredYetHasNoEstimate() {
        let estimate = ProgressEstimate(doneAtStart: 500, done: 500, total: 1000, elapsed: .seconds(3))
        XCTAssertEqual(estimate.rate, 0)
        XCTAssertNil(estimate.secondsLeft)
        XCTAssertNil(ProgressEstimate(doneAtStart: 0, done: 0, total: 10, elapsed: .zero).secondsLeft)
    }

    /// The main pass tells the display where this run started (`MainPassTally` starts at the ids an
    /// earlier run covered).
    func testTallyReportsWhereTheRunStarted() async {
        let tally = MainPassTally(limit: nil, done: 500, total: 1000)
        guard case .progress(let done, let doneAtStart, let total, let updated) = await tally.finished(ids: 100, updated: 3) else {
            return XCTFail("not a progress event")
        }
        XCTAssertEqual([done, doneAtStart, total, updated], [600, 500, 1000, 3])
    }
}
