@testable import Proxy
import XCTest

final class LRUCacheTests: XCTestCase {
    func testTheLeastRecentlyUsedEntryGoesFirst() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache["a"] = 1
        cache["b"] = 2
        cache["c"] = 3
        XCTAssertEqual(cache["a"], 1)
        cache["d"] = 4
        XCTAssertNil(cache["b"])
        XCTAssertEqual(cache.keysByRecency, ["d", "a", "c"])
        cache["c"] = 30
        XCTAssertEqual(cache.keysByRecency, ["c", "d", "a"])
        XCTAssertEqual(cache["c"], 30)
        XCTAssertEqual(cache.count, 3)
    }

    func testCapacityOne() {
        var cache = LRUCache<Int, Int>(capacity: 1)
        for i in 0..<100 { cache[i] = i }
        XCTAssertEqual(cache.count, 1)
        XCTAssertEqual(cache[99], 99)
        XCTAssertNil(cache[98])
    }
}
