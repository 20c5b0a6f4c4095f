import Foundation
import NIOCore
import Proxy
import WireProtocol
import XCTest

/// Reloading the cutover policy under live sessions, through the proxy in this process in front of
/// the test PostgreSQL (PGCUTOVER_TEST_UPSTREAM): a transaction keeps its modes, the next one gets
/// the new ones, and `pgcutover.sync` on the server follows them (a custom setting any server
/// accepts, triggers or not).
final class CutoverReloadIntegrationTests: XCTestCase {
    private var proxy: RunningProxy!
    private var server: ProxyServer { proxy.server }
    private var port: Int { proxy.port }
    private var configPath = ""
    private static let mappingPath = ShippedMapping.path

    private func writeConfig(_ cutover: String) throws {
        let text = "[cutover]\nmapping = \"\(Self.mappingPath)\"\n" + cutover
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    override func setUp() async throws {
        let upstream = try RunningProxy.testUpstream()
        configPath = FileManager.default.temporaryDirectory.appendingPathComponent("pgcutover-\(UUID().uuidString).toml").path
        try writeConfig("mode = \"passthrough\"\n")
        var base = ProxyConfiguration()
        base.listen = HostPort(host: "127.0.0.1", port: 0)
        base.upstream = upstream
        base.shutdownTimeoutSeconds = 5
        let path = configPath
        let start = base
        let store = ConfigurationStore(initial: try ConfigurationFile.load(path: path, onto: start)) { () throws(ConfigurationError) in
            try ConfigurationFile.load(path: path, onto: start)
        }
        proxy = try await RunningProxy(store: store, logLevel: .critical)
    }

    override func tearDown() async throws {
        await proxy?.stop()
        try? FileManager.default.removeItem(atPath: configPath)
    }

    private func session(applicationName: String) throws -> BlockingSocket {
        let socket = try BlockingSocket(port: port)
        try socket.send(StartupMessage(parameters: [("user", "postgres"), ("database", "postgres"), ("application_name", applicationName)]))
        XCTAssertEqual(try socket.readUntilReady().last?.backendID, .readyForQuery)
        return socket
    }

    /// Every frame the client receives for one simple Query, by type, and the text rows.
    private func query(_ socket: BlockingSocket, _ sql: String) throws -> (ids: [BackendMessageID?], rows: [[String?]]) {
        try socket.send(Query(sql: sql))
        let frames = try socket.readUntilReady()
        var rows: [[String?]] = []
        for frame in frames where frame.backendID == .dataRow {
            var reader = PayloadReader(frame.payload, message: "DataRow")
            let count = Int(try reader.int16())
            rows.append(try (0..<count).map { _ in try reader.nullableBytes().map { String(buffer: $0) } })
        }
        return (frames.map(\.backendID), rows)
    }

    private func setting(_ socket: BlockingSocket) throws -> String? {
        let result = try query(socket, "SELECT current_setting('pgcutover.sync', true)")
        XCTAssertEqual(result.ids, [.rowDescription, .dataRow, .commandComplete, .readyForQuery], "the proxy's own answers never reach the client")
        return result.rows.first?.first ?? nil
    }

    func testATransactionKeepsItsModesAcrossAReloadAndTheNextOneTakesTheNewOnes() throws {
        let socket = try session(applicationName: "nightly_loader")
        XCTAssertNil(try setting(socket), "passthrough everywhere: the proxy sets nothing")
        XCTAssertEqual(try query(socket, "BEGIN").ids, [.commandComplete, .readyForQuery])

        try writeConfig("""
            mode = "passthrough"
            [[cutover.rules]]
            name = "loader-dual-write"
            application_name = "nightly_*"
            mode = "dual-write"
            """)
        guard case .success(let snapshot) = server.reload() else { return XCTFail("reload failed") }
        XCTAssertEqual(snapshot.generation, 2)
        XCTAssertNil(try setting(socket), "the transaction in progress keeps the modes it began with")
        XCTAssertEqual(try query(socket, "COMMIT").ids, [.commandComplete, .readyForQuery])

        XCTAssertEqual(try query(socket, "SHOW pgcutover.sync").rows, [["basin_relationships=forward,god_vocabulary_profiles=forward"]])
        let other = try session(applicationName: "psql")
        XCTAssertNil(try setting(other), "the rule matches only the loader")

        // A bad file keeps the running configuration; a rule naming one table moves that one alone.
        try writeConfig("mode = \"passthrough\"\n[[cutover.rules]]\nname = \"x\"\nmode = \"dual_write\"\n")
        guard case .failure(let error) = server.reload() else { return XCTFail("a bad file was taken") }
        XCTAssertEqual(error.line, 6)
        XCTAssertEqual(error.key, "cutover.rules.mode")
        XCTAssertEqual(try setting(socket), "basin_relationships=forward,god_vocabulary_profiles=forward")
        try writeConfig("""
            mode = "passthrough"
            [[cutover.rules]]
            name = "loader-god-only"
            application_name = "nightly_*"
            tables = { god_vocabulary_profiles = "shadow" }
            """)
        guard case .success = server.reload() else { return XCTFail("reload failed") }

        // The extended protocol: the SET rides ahead of the client's Parse, and its answers stay
        // with the proxy.
        try socket.send(Parse(statementName: "", query: "SELECT current_setting('pgcutover.sync')"))
        try socket.send(Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [], resultFormats: []))
        try socket.send(Execute(portalName: ""))
        try socket.send(Sync())
        let frames = try socket.readUntilReady()
        XCTAssertEqual(frames.map(\.backendID), [.parseComplete, .bindComplete, .dataRow, .commandComplete, .readyForQuery])
        let row = try XCTUnwrap(frames.first(where: { $0.backendID == .dataRow }))
        XCTAssertEqual(String(decoding: row.payload.readableBytesView.dropFirst(6), as: UTF8.self), "god_vocabulary_profiles=forward")
        XCTAssertNil(try setting(other))
    }
}
