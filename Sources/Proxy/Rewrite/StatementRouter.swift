import CoreMetrics
import NIOConcurrencyHelpers
import Rewriter

/// The rewriter behind an LRU cache keyed by statement text, shared by every session: legacy
/// scripts send the same statements over and over, and a cache hit costs a hash lookup instead
/// of a parse. Texts that name no legacy table never reach the cache (a cheaper check says so).
public final class StatementRouter: Sendable {
    public let rewriter: Rewriter
    private let cache: NIOLockedValueBox<LRUCache<String, RewriteOutcome>>
    private let hits = CoreMetrics.Counter(label: "pgcutover_rewrite_cache_hits_total")
    private let misses = CoreMetrics.Counter(label: "pgcutover_rewrite_cache_misses_total")

    public init(rewriter: Rewriter, cacheCapacity: Int = 4096) {
        self.rewriter = rewriter
        self.cache = NIOLockedValueBox(LRUCache(capacity: cacheCapacity))
    }

    public func route(_ sql: String) -> RewriteOutcome {
        guard rewriter.mayReferenceLegacyTable(sql) else { return .passThrough }
        if let hit = cache.withLockedValue({ $0[sql] }) {
            hits.increment()
            return hit
        }
        misses.increment()
        let outcome = rewriter.rewrite(sql)
        cache.withLockedValue { $0[sql] = outcome }
        return outcome
    }

    public var cachedCount: Int { cache.withLockedValue { $0.count } }
}
