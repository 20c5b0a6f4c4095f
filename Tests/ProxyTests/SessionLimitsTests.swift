import NIOCore
import Proxy
import WireProtocol
import XCTest

/// The decisions behind login, idle and response timeouts, the connection limit and
/// `[server.tls] mode = "require"`, made by the session state machine without a socket.
final class SessionLimitsTests: XCTestCase {
    private let startup = StartupMessage(parameters: [("user", "alice"), ("database", "legacy")])
    private let adminStartup = StartupMessage(parameters: [("user", "admin"), ("database", "pgcutover")])
    private let all = SessionLimits(login: .seconds(60), clientIdle: .seconds(300), serverResponse: .seconds(5))

    private func machine(_ limits: SessionLimits, clientTLS: Bool = false) -> SessionStateMachine {
        SessionStateMachine(clientTLSAvailable: clientTLS, upstreamSSLMode: .disable, limits: limits)
    }

    private func relaying(_ limits: SessionLimits) -> SessionStateMachine {
        var machine = machine(limits)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
        XCTAssertEqual(machine.upstreamConnected(), .sendStartupUpstream(startup))
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.ok)), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(machine.isRelaying)
        return machine
    }

    private func sqlState(_ action: SessionStateMachine.Action, file: StaticString = #filePath, line: UInt = #line) -> String? {
        guard case .closeSession(let error?) = action else {
            XCTFail("expected the session to end with an error, got \(action)", file: file, line: line)
            return nil
        }
        return error.sqlState
    }

    // MARK: Login timeout

    func testLoginTimeoutBeforeTheStartupMessageClosesWithoutAWord() {
        var machine = machine(all)
        XCTAssertEqual(machine.timeout, SessionTimeout(kind: .login, after: .seconds(60)))
        XCTAssertFalse(machine.timeout!.restartsOnActivity)
        XCTAssertEqual(machine.timeoutExpired(.login), .closeQuietly)
        XCTAssertNil(machine.timeout)
    }

    func testLoginTimeoutAfterSSLNegotiationStillClosesWithoutAWord() {
        var machine = machine(all, clientTLS: true)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .startClientTLS)
        XCTAssertEqual(machine.timeoutExpired(.login), .closeQuietly)
    }

    func testLoginTimeoutDuringAuthenticationSendsAFatalError() {
        var machine = machine(all)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        XCTAssertEqual(machine.timeout?.kind, .login)
        _ = machine.upstreamConnected()
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.md5Password(salt: 1))), .forward)
        XCTAssertEqual(machine.timeout?.kind, .login)
        guard case .closeSession(let error?) = machine.timeoutExpired(.login) else { return XCTFail("expected an error") }
        XCTAssertEqual(error.sqlState, "08006")
        XCTAssertEqual(error.severity, "FATAL")
        XCTAssertEqual(error.message, "canceling authentication due to timeout")
        XCTAssertTrue(error.detail?.contains("login_timeout_seconds (60 s)") ?? false)
    }

    func testLoginTimeoutWhileConnectingToTheServer() {
        var machine = machine(all)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        XCTAssertEqual(sqlState(machine.timeoutExpired(.login)), "08006")
    }

    func testLoginTimeoutNoLongerAppliesOnceAuthenticated() {
        var machine = relaying(all)
        XCTAssertEqual(machine.timeout?.kind, .clientIdle)
        XCTAssertEqual(machine.timeoutExpired(.login), .none)
        XCTAssertTrue(machine.isRelaying)
    }

    func testNoLoginTimeoutWhenOff() {
        var machine = machine(SessionLimits())
        XCTAssertNil(machine.timeout)
        XCTAssertEqual(machine.timeoutExpired(.login), .none)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
    }

    // MARK: Idle timeout

    func testIdleSessionOutsideATransactionGetsTheServersIdleSessionError() {
        var machine = relaying(all)
        XCTAssertEqual(machine.timeout, SessionTimeout(kind: .clientIdle, after: .seconds(300)))
        XCTAssertTrue(machine.timeout!.restartsOnActivity)
        guard case .closeSession(let error?) = machine.timeoutExpired(.clientIdle) else { return XCTFail("expected an error") }
        XCTAssertEqual(error.sqlState, "57P05")
        XCTAssertEqual(error.message, "terminating connection due to idle-session timeout")
        XCTAssertEqual(error.severity, "FATAL")
    }

    func testIdleInATransactionIsNotTimedOut() {
        for status in [ReadyForQuery.TransactionStatus.inTransaction, .failedTransaction] {
            var machine = relaying(all)
            _ = machine.clientFrameReceived(.of(Query(sql: "BEGIN")))
            XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(status)), .forward)
            XCTAssertNil(machine.timeout, "\(status)")
            XCTAssertEqual(machine.timeoutExpired(.clientIdle), .none)
            XCTAssertTrue(machine.isRelaying)
        }
    }

    func testIdleTimerThatOutlivedItsStateDoesNothing() {
        var machine = relaying(all)
        _ = machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))
        XCTAssertEqual(machine.timeout?.kind, .serverResponse)
        XCTAssertEqual(machine.timeoutExpired(.clientIdle), .none)
        XCTAssertTrue(machine.isRelaying)
    }

    func testNoIdleTimeoutWhenOff() {
        var machine = relaying(SessionLimits(login: .seconds(60)))
        XCTAssertNil(machine.timeout)
        XCTAssertEqual(machine.timeoutExpired(.clientIdle), .none)
    }

    // MARK: Server response timeout

    func testSilentServerWithARequestPendingEndsTheSession() {
        var machine = relaying(all)
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "SELECT pg_sleep(60)"))), .forward)
        XCTAssertEqual(machine.timeout, SessionTimeout(kind: .serverResponse, after: .seconds(5)))
        guard case .closeSession(let error?) = machine.timeoutExpired(.serverResponse) else { return XCTFail("expected an error") }
        XCTAssertEqual(error.sqlState, "08006")
        XCTAssertTrue(error.message.contains("5 s"), error.message)
        XCTAssertTrue(error.hint?.contains("response_timeout_seconds") ?? false)
    }

    func testResponseTimeoutEndsWithTheAnswer() {
        var machine = relaying(SessionLimits(serverResponse: .seconds(5)))
        _ = machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))
        XCTAssertEqual(machine.timeout?.kind, .serverResponse)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertNil(machine.timeout)
        XCTAssertEqual(machine.timeoutExpired(.serverResponse), .none)
    }

    func testResponseTimeoutAppliesInsideATransactionToo() {
        var machine = relaying(all)
        _ = machine.clientFrameReceived(.of(Query(sql: "BEGIN")))
        _ = machine.serverFrameReceived(.readyForQuery(.inTransaction))
        _ = machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))
        XCTAssertEqual(sqlState(machine.timeoutExpired(.serverResponse)), "08006")
    }

    // MARK: Connection limit

    func testClientBeyondTheLimitIsRefusedAtItsStartupMessage() {
        var machine = machine(all)
        machine.beyondConnectionLimit = true
        guard case .closeSession(let error?) = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false) else {
            return XCTFail("expected a refusal")
        }
        XCTAssertEqual(error.sqlState, "53300")
        XCTAssertEqual(error.message, "sorry, too many clients already")
        XCTAssertEqual(error.severity, "FATAL")
    }

    func testClientBeyondTheLimitIsAnsweredSSLFirstAsByTheServer() {
        var machine = machine(all, clientTLS: true)
        machine.beyondConnectionLimit = true
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .startClientTLS)
        XCTAssertEqual(sqlState(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)), "53300")
    }

    func testAdminConsoleAndCancelRequestsPassTheLimit() {
        var console = machine(all)
        console.adminConsoleEnabled = true
        console.beyondConnectionLimit = true
        guard case .startAdminConsole = console.clientStartupPacketReceived(.of(adminStartup), bytesFollow: false) else {
            return XCTFail("the admin console is reachable beyond the limit")
        }

        var cancel = machine(all)
        cancel.beyondConnectionLimit = true
        let request = CancelRequest(processID: 1, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))
        XCTAssertEqual(cancel.clientStartupPacketReceived(.of(request), bytesFollow: false), .cancel(request))
    }

    // MARK: TLS required

    func testPlaintextClientIsRefusedWhenTLSIsRequired() {
        var machine = machine(SessionLimits(tlsRequired: true), clientTLS: true)
        guard case .closeSession(let error?) = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false) else {
            return XCTFail("expected a refusal")
        }
        XCTAssertEqual(error.sqlState, "28000")
        XCTAssertTrue(error.detail?.contains("require") ?? false)
    }

    func testTLSClientIsServedWhenTLSIsRequired() {
        var machine = machine(SessionLimits(tlsRequired: true), clientTLS: true)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .startClientTLS)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
    }

    func testRequiredTLSRefusesAPlaintextAdminConsoleTooButNotACancel() {
        var console = machine(SessionLimits(tlsRequired: true), clientTLS: true)
        console.adminConsoleEnabled = true
        XCTAssertEqual(sqlState(console.clientStartupPacketReceived(.of(adminStartup), bytesFollow: false)), "28000")

        // libpq sends cancel requests in plaintext; the key is the secret, as on the server.
        var cancel = machine(SessionLimits(tlsRequired: true), clientTLS: true)
        let request = CancelRequest(processID: 1, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))
        XCTAssertEqual(cancel.clientStartupPacketReceived(.of(request), bytesFollow: false), .cancel(request))
    }

    func testClientWhoseSSLRequestWasRefusedIsNotServedInPlaintextWhenRequired() {
        // Required but no context (a misconfiguration ProxyServer refuses at start): fail closed.
        var machine = machine(SessionLimits(tlsRequired: true), clientTLS: false)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .replyToNegotiation(UInt8(ascii: "N")))
        XCTAssertEqual(sqlState(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)), "28000")
    }

    // MARK: Configuration

    func testConfigurationGivesTheLimitsOfNewSessions() throws {
        let configuration = try ConfigurationFile.parse("""
            [server]
            login_timeout_seconds = 0
            client_idle_timeout_seconds = 600
            max_client_connections = 0
            tcp_keepalive = false
            [server.tls]
            mode = "require"
            [upstream]
            response_timeout_seconds = 30
            tcp_user_timeout_ms = 10000
            tcp_keepalive_idle_seconds = 30
            """, file: "test.toml")
        XCTAssertEqual(configuration.sessionLimits, SessionLimits(login: nil, clientIdle: .seconds(600), serverResponse: .seconds(30), tlsRequired: true))
        XCTAssertEqual(configuration.maxClientConnections, 0)
        XCTAssertNil(configuration.clientKeepalive)
        XCTAssertEqual(configuration.upstreamKeepalive, TCPKeepalive(idleSeconds: 30, intervalSeconds: 10, count: 6))
        XCTAssertEqual(configuration.upstreamTCPUserTimeoutMilliseconds, 10000)

        let defaults = ProxyConfiguration()
        XCTAssertEqual(defaults.sessionLimits, SessionLimits(login: .seconds(60)))
        XCTAssertEqual(defaults.maxClientConnections, 5000)
        XCTAssertEqual(defaults.clientKeepalive, TCPKeepalive(idleSeconds: 60, intervalSeconds: 10, count: 6))
        XCTAssertEqual(defaults.clientTLSMode, .allow)
    }

    func testUnknownTLSModeIsAnError() {
        XCTAssertThrowsError(try ConfigurationFile.parse("[server.tls]\nmode = \"prefer\"\n", file: "test.toml")) { error in
            XCTAssertTrue("\(error)".contains("server.tls.mode"), "\(error)")
        }
    }

    func testLimitsAreReloadableAndTLSPathsAreNot() throws {
        let running = ProxyConfiguration()
        var fresh = running
        fresh.loginTimeoutSeconds = 5
        fresh.clientIdleTimeoutSeconds = 7
        fresh.maxClientConnections = 3
        fresh.upstreamResponseTimeoutSeconds = 2
        fresh.clientTLSMode = .require
        fresh.tlsCertificatePath = "/elsewhere.crt"
        XCTAssertEqual(fresh.restartOnlyChanges(comparedWith: running), ["server.tls.cert"])
        let kept = fresh.keepingRestartOnlySettings(of: running)
        XCTAssertEqual(kept.sessionLimits, SessionLimits(login: .seconds(5), clientIdle: .seconds(7), serverResponse: .seconds(2), tlsRequired: true))
        XCTAssertEqual(kept.maxClientConnections, 3)
        XCTAssertNil(kept.tlsCertificatePath)
    }
}
