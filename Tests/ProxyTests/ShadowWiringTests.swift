import Foundation
import Logging
import NIOPosix
@testable import Proxy
import ServiceLifecycle
import XCTest

final class ShadowWiringTests: XCTestCase {
    /// The proxy hands shadowed reads to its comparer through the session environment, and its
    /// shutdown waits for the comparison before closing the audit log.
    func testProxyServerComparesWhatItsSinkTakesAndWritesItBeforeShuttingDown() async throws {
        try await MigratedDemoDatabase.with { db in
            let audit = FileManager.default.temporaryDirectory.appendingPathComponent("shadow-\(UUID()).jsonl").path
            defer { try? FileManager.default.removeItem(atPath: audit) }
            var configuration = ProxyConfiguration()
            configuration.listen = HostPort(host: "127.0.0.1", port: 0)
            configuration.upstream = HostPort(host: db.settings.host, port: db.settings.port)
            configuration.mappingPath = MigratedDemoDatabase.mappingPath
            configuration.auditLog = audit
            configuration.shadow = ShadowSettings(user: db.settings.user, password: db.settings.password)
            var logger = Logger(label: "shadow-wiring")
            logger.logLevel = .warning
            let server = try ProxyServer(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            let sink = try XCTUnwrap(server.environment.shadowSink)
            let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
            let running = Task { try await group.run() }
            let record = AuditRecord(
                time: Date(), sessionID: 42, clientAddress: "127.0.0.1:1", user: db.settings.user, database: db.name,
                tables: ["basin_relationships"], mode: .shadow, action: .passed, kind: .select)
            sink(record, ShadowInput(sql: "SELECT word, neighbor, strength FROM basin_relationships WHERE strength > 0.2"))
            let deadline = ContinuousClock.now + .seconds(30)
            while server.localAddress == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            // Queued comparisons still waiting at shutdown are recorded as skipped (by design); this
            // test is about one that ran: shut down once its verdict is counted, before the record
            // has necessarily reached the file.
            while server.environment.statistics.snapshot.shadowComparisons.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            await group.triggerGracefulShutdown()
            try await running.value
            let lines = String(decoding: try Data(contentsOf: URL(fileURLWithPath: audit)), as: UTF8.self)
                .split(separator: "\n")
            XCTAssertEqual(lines.count, 1)
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            XCTAssertEqual(object["session_id"] as? Int, 42)
            XCTAssertEqual(object["action"] as? String, "shadowed")
            XCTAssertEqual(object["shadow_verdict"] as? String, "match", "\(object["shadow_summary"] ?? "")")
            // The comparer hands the statement's text to the audit writer, which normalizes it.
            XCTAssertEqual(object["statement"] as? String,
                           "SELECT word, neighbor, strength FROM basin_relationships WHERE strength > $1")
        }
    }

    func testMismatchSummaryIsBounded() {
        let long = "(" + String(repeating: "x", count: 5000) + ")"
        let result = ShadowResult(legacyRows: 10, rewrittenRows: 11, matched: false, legacyRow: long, rewrittenRow: nil)
        guard case .mismatch(let summary) = result.verdict else { return XCTFail("\(result.verdict)") }
        XCTAssertLessThan(summary.count, 500)
        XCTAssertTrue(summary.hasPrefix("legacy 10 rows, rewritten 11 rows; first differing row: legacy (xxx"))
        XCTAssertTrue(summary.hasSuffix("x… / rewritten none"), summary)
        XCTAssertEqual(
            ShadowResult(legacyRows: 3, rewrittenRows: 3, matched: true, legacyRow: nil, rewrittenRow: nil).verdict, .match)
    }
}
