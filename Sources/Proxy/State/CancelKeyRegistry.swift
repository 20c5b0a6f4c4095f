import NIOConcurrencyHelpers
import NIOCore
import WireProtocol

/// Which session owns which cancel key. Clients receive the server's own BackendKeyData, so the
/// key a CancelRequest names is the key of the session's first server connection; the entry lists
/// every server connection the session holds, and a cancel reaches all of them.
public final class CancelKeyRegistry: Sendable {
    public struct Key: Hashable, Sendable {
        public var processID: Int32
        public var secretKey: ByteBuffer

        public init(processID: Int32, secretKey: ByteBuffer) {
            self.processID = processID
            self.secretKey = secretKey
        }
    }

    public struct Target: Sendable {
        public var upstream: UpstreamEndpoint
        public var serverKeys: [BackendKeyData]

        public init(upstream: UpstreamEndpoint, serverKeys: [BackendKeyData]) {
            self.upstream = upstream
            self.serverKeys = serverKeys
        }
    }

    private let entries = NIOLockedValueBox<[Key: Target]>([:])

    public init() {}

    public func register(_ key: Key, target: Target) {
        entries.withLockedValue { $0[key] = target }
    }

    public func remove(_ key: Key) {
        _ = entries.withLockedValue { $0.removeValue(forKey: key) }
    }

    public func target(for request: CancelRequest) -> Target? {
        entries.withLockedValue { $0[Key(processID: request.processID, secretKey: request.secretKey)] }
    }

    public var count: Int { entries.withLockedValue { $0.count } }
}
