import Foundation
import NIOCore
import Proxy
import WireProtocol
import XCTest

/// The proxy in this process, in front of the real PostgreSQL that scripts/test.sh starts
/// (PGCUTOVER_TEST_UPSTREAM=HOST:PORT), driven by a raw socket client.
final class ProxyIntegrationTests: XCTestCase {
    private var proxy: RunningProxy!
    private var port: Int { proxy.port }

    override func setUp() async throws {
        var configuration = ProxyConfiguration()
        configuration.listen = HostPort(host: "127.0.0.1", port: 0)
        configuration.upstream = try RunningProxy.testUpstream()
        configuration.shutdownTimeoutSeconds = 5
        configuration.maximumMessageLength = 1 << 20
        proxy = try await RunningProxy(store: ConfigurationStore(fixed: configuration), logLevel: .warning)
    }

    override func tearDown() async throws {
        await proxy?.stop()
    }

    private func startup(user: String = "postgres", extra: [(String, String)] = []) -> StartupMessage {
        StartupMessage(parameters: [("user", user), ("database", "postgres"), ("application_name", "proxy-integration")] + extra)
    }

    /// Connects and authenticates (the test server trusts `postgres` on loopback).
    private func session() throws -> (BlockingSocket, BackendKeyData) {
        let socket = try BlockingSocket(port: port)
        try socket.send(startup())
        let frames = try socket.readUntilReady()
        XCTAssertEqual(frames.last?.backendID, .readyForQuery, "startup did not finish: \(frames.map(\.backendID))")
        let keyFrame = try XCTUnwrap(frames.first(where: { $0.backendID == .backendKeyData }))
        return (socket, try BackendKeyData(frame: keyFrame))
    }

    private func query(_ socket: BlockingSocket, _ sql: String) throws -> (rows: [[String?]], errors: [ErrorFields], tag: String?) {
        try socket.send(Query(sql: sql))
        var rows: [[String?]] = []
        var errors: [ErrorFields] = []
        var tag: String?
        for frame in try socket.readUntilReady() {
            switch frame.backendID {
            case .dataRow?:
                var reader = PayloadReader(frame.payload, message: "DataRow")
                let count = Int(try reader.int16())
                var row: [String?] = []
                for _ in 0..<count {
                    row.append(try reader.nullableBytes().map { String(buffer: $0) })
                }
                rows.append(row)
            case .errorResponse?:
                errors.append(try ErrorResponse(frame: frame).fields)
            case .commandComplete?:
                var reader = PayloadReader(frame.payload, message: "CommandComplete")
                tag = try reader.cString()
            default:
                break
            }
        }
        return (rows, errors, tag)
    }

    func testQueriesAndErrorsAreRelayedWithTheServersOwnKey() throws {
        let (socket, key) = try session()
        let result = try query(socket, "SELECT pg_backend_pid()::text, 'a''b', NULL::text")
        XCTAssertEqual(result.rows, [[String(key.processID), "a'b", nil]])
        XCTAssertEqual(result.tag, "SELECT 1")
        let failure = try query(socket, "SELECT 1/0")
        XCTAssertEqual(failure.errors.first?.sqlState, "22012")
        XCTAssertEqual(try query(socket, "SELECT 2").rows, [["2"]], "the session stays usable after an error")
    }

    func testStartupAndQuerySentOneByteAtATimeWork() throws {
        let socket = try BlockingSocket(port: port)
        var bytes = FrameEncoder.frame(startup())
        for byte in bytes.readBytes(length: bytes.readableBytes)! {
            try socket.send([byte])
        }
        XCTAssertEqual(try socket.readUntilReady().last?.backendID, .readyForQuery)
        var query = FrameEncoder.frame(Query(sql: "SELECT 41 + 1"))
        for byte in query.readBytes(length: query.readableBytes)! {
            try socket.send([byte])
        }
        let frames = try socket.readUntilReady()
        let row = try XCTUnwrap(frames.first(where: { $0.backendID == .dataRow }))
        XCTAssertEqual(Array(row.payload.readableBytesView.suffix(2)), Array("42".utf8))
    }

    func testGarbageBeforeStartupGetsAnErrorAndOnlyThatSessionEnds() throws {
        let (good, _) = try session()
        let bad = try BlockingSocket(port: port)
        try bad.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let error = try XCTUnwrap(try bad.nextFrame())
        XCTAssertEqual(error.backendID, .errorResponse)
        XCTAssertEqual(try ErrorResponse(frame: error).fields.sqlState, "08P01")
        XCTAssertTrue(try bad.closesAfterReading())
        XCTAssertEqual(try query(good, "SELECT 'still here'").rows, [["still here"]])
    }

    func testBadLengthFieldsCloseTheSession() throws {
        for length: Int32 in [0, 3, -1, Int32.max] {
            let (socket, _) = try session()
            var bytes = ByteBuffer()
            bytes.writeInteger(UInt8(ascii: "Q"))
            bytes.writeInteger(length)
            try socket.send(bytes)
            let frame = try XCTUnwrap(try socket.nextFrame(), "length \(length): closed without an error")
            XCTAssertEqual(try ErrorResponse(frame: frame).fields.sqlState, "08P01", "length \(length)")
            XCTAssertTrue(try socket.closesAfterReading(), "length \(length): session not closed")
        }
        let (socket, _) = try session()
        XCTAssertEqual(try query(socket, "SELECT 1").rows, [["1"]])
    }

    func testStartupPacketOverTheLimitIsRefused() throws {
        let socket = try BlockingSocket(port: port)
        let huge = startup(extra: [("options", String(repeating: "x", count: 10_001))])
        try socket.send(huge)
        let frame = try XCTUnwrap(try socket.nextFrame())
        let fields = try ErrorResponse(frame: frame).fields
        XCTAssertEqual(fields.sqlState, "08P01")
        XCTAssertTrue(fields.message?.contains("invalid length of startup packet") ?? false)
    }

    func testMessageOverTheConfiguredLimitIsRefused() throws {
        let (socket, _) = try session()
        try socket.send(Query(sql: "SELECT '" + String(repeating: "y", count: 2 << 20) + "'"))
        let frame = try XCTUnwrap(try socket.nextFrame())
        XCTAssertEqual(try ErrorResponse(frame: frame).fields.sqlState, "08P01")
        XCTAssertTrue(try socket.closesAfterReading())
    }

    func testCancelRequestReachesTheSessionsBackend() throws {
        let (socket, key) = try session()
        try socket.send(Query(sql: "SELECT pg_sleep(30)"))
        Thread.sleep(forTimeInterval: 0.3)
        let canceller = try BlockingSocket(port: port)
        try canceller.send(CancelRequest(processID: key.processID, secretKey: key.secretKey))
        XCTAssertEqual(try canceller.receive(), [], "the proxy closes a cancel connection without a reply, like the server")
        let started = Date()
        let frames = try socket.readUntilReady()
        let error = try XCTUnwrap(frames.first(where: { $0.backendID == .errorResponse }))
        XCTAssertEqual(try ErrorResponse(frame: error).fields.sqlState, "57014")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func testCancelWithAWrongKeyCancelsNothing() throws {
        let (socket, key) = try session()
        try socket.send(Query(sql: "SELECT pg_sleep(1), 'done'"))
        let canceller = try BlockingSocket(port: port)
        var wrong = key.secretKey
        wrong.setInteger(wrong.getInteger(at: 0, as: UInt8.self)! &+ 1, at: 0)
        try canceller.send(CancelRequest(processID: key.processID, secretKey: wrong))
        _ = try canceller.receive()
        let frames = try socket.readUntilReady()
        XCTAssertNil(frames.first(where: { $0.backendID == .errorResponse }))
        XCTAssertNotNil(frames.first(where: { $0.backendID == .dataRow }))
    }

    func testServerErrorsDuringStartupReachTheClientVerbatim() throws {
        let socket = try BlockingSocket(port: port)
        try socket.send(StartupMessage(parameters: [("user", "postgres"), ("database", "no_such_database")]))
        // Trust authentication succeeds first; the database check fails after it.
        XCTAssertEqual(try socket.nextFrame()?.backendID, .authentication)
        let frame = try XCTUnwrap(try socket.nextFrame())
        let fields = try ErrorResponse(frame: frame).fields
        XCTAssertEqual(fields.sqlState, "3D000")
        XCTAssertEqual(fields.message, "database \"no_such_database\" does not exist")
        XCTAssertTrue(try socket.closesAfterReading())
    }

    func testGracefulShutdownLetsATransactionFinishThenCloses() async throws {
        let (socket, _) = try session()
        _ = try query(socket, "BEGIN")
        await proxy.beginShutdown()
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertThrowsError(try BlockingSocket(port: port), "a shutting-down proxy accepts no new sessions")
        XCTAssertEqual(try query(socket, "SELECT 'in flight'").rows, [["in flight"]])
        try socket.send(Query(sql: "COMMIT"))
        let frames = try socket.readUntilReady()
        XCTAssertEqual(frames.last?.backendID, .readyForQuery)
        let goodbye = try XCTUnwrap(try socket.nextFrame())
        XCTAssertEqual(try ErrorResponse(frame: goodbye).fields.sqlState, "57P01")
        XCTAssertTrue(try socket.closesAfterReading())
    }
}
