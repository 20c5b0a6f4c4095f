import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// The running configuration, shared by every session and replaced whole by a reload (SIGHUP or
/// the admin console's RELOAD). Sessions compare `generation` at the start of each transaction and
/// take the new snapshot only then, so a transaction keeps the configuration it began with.
public final class ConfigurationStore: Sendable {
    public struct Snapshot: Sendable {
        public var generation: UInt64
        public var configuration: ProxyConfiguration
        public var loadedAt: Date
    }

    private let box: NIOLockedValueBox<Snapshot>
    /// The snapshot's generation, readable without the lock: every session reads it at the start
    /// of every transaction, on every event loop at once. Stored after the snapshot it numbers.
    private let latestGeneration = Atomic<UInt64>(1)
    /// Called after each successful reload, outside the lock (TLS files are read again there).
    private let observers = NIOLockedValueBox<[@Sendable (Snapshot) -> Void]>([])
    private let loader: @Sendable () throws(ConfigurationError) -> ProxyConfiguration
    /// Every reload, whoever asks for it (SIGHUP, the admin console), says in the log what came of it.
    private let logger: Logger?
    private let reloadsSucceeded = CoreMetrics.Counter(label: "pgcutover_config_reloads_total", dimensions: [("result", "ok")])
    private let reloadsFailed = CoreMetrics.Counter(label: "pgcutover_config_reloads_total", dimensions: [("result", "error")])

    /// `loader` reads the configuration again (the file, then the command line's overrides);
    /// without a file it returns the configuration the proxy started with.
    public init(
        initial: ProxyConfiguration, logger: Logger? = nil,
        loader: @escaping @Sendable () throws(ConfigurationError) -> ProxyConfiguration
    ) {
        self.box = NIOLockedValueBox(Snapshot(generation: 1, configuration: initial, loadedAt: Date()))
        self.loader = loader
        self.logger = logger
    }

    public convenience init(fixed configuration: ProxyConfiguration) {
        self.init(initial: configuration) { () throws(ConfigurationError) in configuration }
    }

    /// `body` runs after every successful reload, whoever asked for it.
    public func onReload(_ body: @escaping @Sendable (Snapshot) -> Void) {
        observers.withLockedValue { $0.append(body) }
    }

    public var current: Snapshot { box.withLockedValue { $0 } }
    public var generation: UInt64 { latestGeneration.load(ordering: .acquiring) }

    /// Reads the configuration again. On error the running configuration stays, and the error
    /// says which file, line and key is wrong.
    @discardableResult
    public func reload() -> Result<Snapshot, ConfigurationError> {
        let configuration: ProxyConfiguration
        do {
            configuration = try loader()
        } catch {
            reloadsFailed.increment()
            logger?.error("configuration reload failed, the running configuration stays", metadata: ["error": "\(error)"])
            return .failure(error)
        }
        reloadsSucceeded.increment()
        let snapshot = box.withLockedValue {
            $0 = Snapshot(generation: $0.generation + 1, configuration: configuration, loadedAt: Date())
            latestGeneration.store($0.generation, ordering: .releasing)
            return $0
        }
        logger?.notice("configuration reloaded", metadata: [
            "generation": "\(snapshot.generation)", "default_mode": "\(snapshot.configuration.cutover.defaultTable)",
            "rules": "\(snapshot.configuration.cutover.rules.count)",
        ])
        for observer in observers.withLockedValue({ $0 }) {
            observer(snapshot)
        }
        return .success(snapshot)
    }
}
