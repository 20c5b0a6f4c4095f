import CoreMetrics
import Foundation
import NIOConcurrencyHelpers

/// The statement and shadow counts since the proxy started, recorded twice: into swift-metrics
/// (whatever backend the executable bootstrapped, Prometheus or none) and into counts of its
/// own that the admin console's SHOW STATS reads, so the console works without Prometheus.
///
/// The swift-metrics objects are made once per label set and kept, so a statement costs one
/// lock and a dictionary lookup, not a metric registration.
public final class ProxyStatistics: Sendable {
    public struct StatementKey: Hashable, Sendable, Comparable {
        public var table: String
        public var mode: String
        public var action: String

        public init(table: String, mode: String, action: String) {
            self.table = table
            self.mode = mode
            self.action = action
        }

        public static func < (a: Self, b: Self) -> Bool {
            (a.table, a.mode, a.action) < (b.table, b.mode, b.action)
        }
    }

    public struct Snapshot: Sendable, Equatable {
        public var startedAt: Date
        public var statements: [StatementKey: Int] = [:]
        /// Shadow comparisons by verdict (match, mismatch, error, skipped).
        public var shadowComparisons: [String: Int] = [:]
    }

    private struct State {
        var snapshot: Snapshot
        var counters: [StatementKey: CoreMetrics.Counter] = [:]
        var shadowCounters: [String: CoreMetrics.Counter] = [:]
    }

    private let state: NIOLockedValueBox<State>
    private let durations: [String: CoreMetrics.Timer]

    public init() {
        state = NIOLockedValueBox(State(snapshot: Snapshot(startedAt: Date())))
        durations = Dictionary(uniqueKeysWithValues: AuditRecord.Action.allCases.map {
            ($0.rawValue, CoreMetrics.Timer(label: "pgcutover_statement_duration_seconds", dimensions: [("action", $0.rawValue)]))
        })
    }

    public var snapshot: Snapshot { state.withLockedValue { $0.snapshot } }

    /// A statement on legacy tables finished: one count per table it named.
    public func statementCompleted(tables: [String], mode: String, action: String, nanoseconds: Int64) {
        let counters = state.withLockedValue { state in
            tables.map { table in
                let key = StatementKey(table: table, mode: mode, action: action)
                state.snapshot.statements[key, default: 0] += 1
                if let counter = state.counters[key] { return counter }
                let counter = CoreMetrics.Counter(
                    label: "pgcutover_statements_total", dimensions: [("table", table), ("mode", mode), ("action", action)])
                state.counters[key] = counter
                return counter
            }
        }
        for counter in counters { counter.increment() }
        durations[action]?.recordNanoseconds(nanoseconds)
    }

    /// Called by the shadow comparer with its verdict (match, mismatch, error, skipped).
    public func shadowCompared(verdict: String) {
        let counter = state.withLockedValue { state in
            state.snapshot.shadowComparisons[verdict, default: 0] += 1
            if let counter = state.shadowCounters[verdict] { return counter }
            let counter = CoreMetrics.Counter(label: "pgcutover_shadow_comparisons_total", dimensions: [("verdict", verdict)])
            state.shadowCounters[verdict] = counter
            return counter
        }
        counter.increment()
    }
}
