import Foundation
import Logging
import NIOPosix
import Proxy
import ServiceLifecycle
import XCTest

/// A `ProxyServer` of this process, run as a service on a free loopback port in front of the test
/// PostgreSQL, for the integration tests that drive it over raw sockets.
final class RunningProxy {
    let server: ProxyServer
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// PGCUTOVER_TEST_UPSTREAM (HOST:PORT), which scripts/test.sh sets; the test fails without it.
    static func testUpstream() throws -> HostPort {
        guard let text = ProcessInfo.processInfo.environment["PGCUTOVER_TEST_UPSTREAM"], let upstream = HostPort(text) else {
            XCTFail("PGCUTOVER_TEST_UPSTREAM (HOST:PORT of a test PostgreSQL) is not set; run scripts/test.sh")
            throw SocketError("no upstream")
        }
        return upstream
    }

    /// Starts the proxy and returns once it listens.
    init(store: ConfigurationStore, logLevel: Logger.Level) async throws {
        var logger = Logger(label: "pgcutover-test")
        logger.logLevel = logLevel
        server = try ProxyServer(store: store, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let group = self.group
        task = Task { try await group.run() }
        for _ in 0..<200 {
            if let port = server.localAddress?.port {
                self.port = port
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        await group.triggerGracefulShutdown()
        throw SocketError("proxy did not start listening")
    }

    /// SIGTERM's path: stop accepting, drain the sessions.
    func beginShutdown() async {
        await group.triggerGracefulShutdown()
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
