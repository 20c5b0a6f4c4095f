import NIOCore
import Proxy
import WireProtocol
import XCTest

final class CancelKeyRegistryTests: XCTestCase {
    private let endpoint = UpstreamEndpoint(
        address: HostPort(host: "127.0.0.1", port: 5432), sslMode: .disable, tlsContext: nil, serverName: nil,
        connectTimeoutSeconds: 1)

    func testACancelFindsTheSessionThatOwnsTheKeyAndAllItsServerConnections() {
        let registry = CancelKeyRegistry()
        let primary = BackendKeyData(processID: 10, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))
        let shadow = BackendKeyData(processID: 11, secretKey: ByteBuffer(bytes: [5, 6, 7, 8]))
        registry.register(.init(processID: 10, secretKey: primary.secretKey), target: .init(upstream: endpoint, serverKeys: [primary, shadow]))

        let target = registry.target(for: CancelRequest(processID: 10, secretKey: ByteBuffer(bytes: [1, 2, 3, 4])))
        XCTAssertEqual(target?.serverKeys, [primary, shadow])
    }

    func testAWrongSecretOrPidFindsNothing() {
        let registry = CancelKeyRegistry()
        let key = BackendKeyData(processID: 10, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))
        registry.register(.init(processID: 10, secretKey: key.secretKey), target: .init(upstream: endpoint, serverKeys: [key]))
        XCTAssertNil(registry.target(for: CancelRequest(processID: 10, secretKey: ByteBuffer(bytes: [1, 2, 3, 5]))))
        XCTAssertNil(registry.target(for: CancelRequest(processID: 11, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))))
        // A longer (protocol 3.2) key that starts with the same bytes is another key.
        XCTAssertNil(registry.target(for: CancelRequest(processID: 10, secretKey: ByteBuffer(bytes: [1, 2, 3, 4, 0, 0, 0, 0]))))
    }

    func testRemovedKeysNoLongerCancel() {
        let registry = CancelKeyRegistry()
        let key = CancelKeyRegistry.Key(processID: 3, secretKey: ByteBuffer(bytes: Array(repeating: 7, count: 32)))
        registry.register(key, target: .init(upstream: endpoint, serverKeys: []))
        XCTAssertEqual(registry.count, 1)
        registry.remove(key)
        XCTAssertEqual(registry.count, 0)
        XCTAssertNil(registry.target(for: CancelRequest(processID: 3, secretKey: ByteBuffer(bytes: Array(repeating: 7, count: 32)))))
    }
}
