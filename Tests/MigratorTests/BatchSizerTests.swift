import XCTest
@testable import Migrator

final class BatchSizerTests: XCTestCase {
    func testSlowBatchesHalveTheSizeDownToASixteenth() {
        var sizer = BatchSizer(largest: 500, budget: .seconds(1))
        XCTAssertEqual(sizer.current, 500)
        sizer.record(ids: 500, elapsed: .milliseconds(1_500))
        XCTAssertEqual(sizer.current, 250)
        for _ in 0..<10 { sizer.record(ids: sizer.current, elapsed: .seconds(3)) }
        XCTAssertEqual(sizer.current, 31)
    }

    func testFastFullBatchesGrowBackToTheConfiguredSize() {
        var sizer = BatchSizer(largest: 500, budget: .seconds(1))
        sizer.record(ids: 500, elapsed: .seconds(2))
        sizer.record(ids: 250, elapsed: .seconds(2))
        XCTAssertEqual(sizer.current, 125)
        sizer.record(ids: 125, elapsed: .milliseconds(100))
        XCTAssertEqual(sizer.current, 250)
        sizer.record(ids: 250, elapsed: .milliseconds(100))
        sizer.record(ids: 500, elapsed: .milliseconds(100))
        XCTAssertEqual(sizer.current, 500, "never past the configured size")
    }

    func testBatchesBetweenAQuarterAndTheWholeBudgetKeepTheSize() {
        var sizer = BatchSizer(largest: 500, budget: .seconds(1))
        sizer.record(ids: 500, elapsed: .seconds(2))
        sizer.record(ids: 250, elapsed: .milliseconds(600))
        sizer.record(ids: 250, elapsed: .milliseconds(300))
        XCTAssertEqual(sizer.current, 250)
    }

    func testAShortLastRangeOfALaneSaysNothingAboutGrowing() {
        var sizer = BatchSizer(largest: 500, budget: .seconds(1))
        sizer.record(ids: 500, elapsed: .seconds(2))
        sizer.record(ids: 40, elapsed: .milliseconds(10))
        XCTAssertEqual(sizer.current, 250)
        // A slow short range halves from what it was, not from the larger current size.
        sizer.record(ids: 40, elapsed: .seconds(2))
        XCTAssertEqual(sizer.current, 31)
    }
}
