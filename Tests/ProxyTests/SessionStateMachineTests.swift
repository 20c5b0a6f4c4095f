import NIOCore
import Proxy
import WireProtocol
import XCTest

final class SessionStateMachineTests: XCTestCase {
    private let startup = StartupMessage(parameters: [("user", "alice"), ("database", "legacy"), ("application_name", "loader")])

    private func authenticated(clientTLS: Bool = false, upstream: UpstreamSSLMode = .disable) -> SessionStateMachine {
        var machine = SessionStateMachine(clientTLSAvailable: clientTLS, upstreamSSLMode: upstream)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
        XCTAssertEqual(machine.upstreamConnected(), .sendStartupUpstream(startup))
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.ok)), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(machine.isRelaying)
        return machine
    }

    func testStartupRelaysAuthenticationAndRegistersTheServersOwnCancelKey() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        XCTAssertEqual(machine.clientFramingPhase, .startup)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
        XCTAssertEqual(machine.clientFramingPhase, .messages)
        XCTAssertEqual(machine.upstreamConnected(), .sendStartupUpstream(startup))
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.md5Password(salt: 0x01020304))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.raw(UInt8(ascii: "p"), Array("md5abc\0".utf8))), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.ok)), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.of(ParameterStatus(name: "server_version", value: "15.4"))), .forward)
        let key = BackendKeyData(processID: 4242, secretKey: ByteBuffer(bytes: [9, 8, 7, 6]))
        XCTAssertEqual(machine.serverFrameReceived(.of(key)), .forwardRegisteringCancelKey(key))
        XCTAssertFalse(machine.isRelaying)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(machine.isRelaying)
    }

    func testLongProtocol32CancelKeyIsKeptAsBytes() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        let key = BackendKeyData(processID: 7, secretKey: ByteBuffer(bytes: Array(0..<32)))
        XCTAssertEqual(machine.serverFrameReceived(.of(key)), .forwardRegisteringCancelKey(key))
    }

    func testSSLRequestIsAcceptedWhenTLSIsConfiguredAndRefusedOtherwise() {
        var withTLS = SessionStateMachine(clientTLSAvailable: true, upstreamSSLMode: .disable)
        XCTAssertEqual(withTLS.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .startClientTLS)
        XCTAssertTrue(withTLS.clientUsesTLS)
        XCTAssertEqual(withTLS.clientFramingPhase, .startup)
        XCTAssertEqual(withTLS.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)

        var withoutTLS = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        XCTAssertEqual(withoutTLS.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false), .replyToNegotiation(UInt8(ascii: "N")))
        XCTAssertFalse(withoutTLS.clientUsesTLS)
        XCTAssertEqual(withoutTLS.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
    }

    func testBytesBehindSSLRequestAreRefusedBeforeTheHandshake() {
        var machine = SessionStateMachine(clientTLSAvailable: true, upstreamSSLMode: .disable)
        guard case .closeSession(let error?) = machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: true) else {
            return XCTFail("expected the session to close")
        }
        XCTAssertEqual(error.sqlState, "08P01")
        XCTAssertEqual(error.message, "received unencrypted data after SSL request")
    }

    func testSecondSSLRequestIsAProtocolViolation() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false)
        guard case .closeSession(let error?) = machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false) else {
            return XCTFail("expected the session to close")
        }
        XCTAssertEqual(error.sqlState, "08P01")
    }

    func testGSSEncryptionIsDeclined() {
        var machine = SessionStateMachine(clientTLSAvailable: true, upstreamSSLMode: .disable)
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(GSSENCRequest()), bytesFollow: false), .replyToNegotiation(UInt8(ascii: "N")))
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)
    }

    func testCancelRequestIsRoutedAndEndsTheConnection() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        let request = CancelRequest(processID: 99, secretKey: ByteBuffer(bytes: [1, 2, 3, 4]))
        XCTAssertEqual(machine.clientStartupPacketReceived(.of(request), bytesFollow: false), .cancel(request))
        XCTAssertEqual(machine.clientClosed(), .none)
    }

    func testUnsupportedProtocolVersionIsRefused() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        let v2 = StartupMessage(protocolVersion: 2 << 16, parameters: [("user", "x")])
        guard case .closeSession(let error?) = machine.clientStartupPacketReceived(.of(v2), bytesFollow: false) else {
            return XCTFail("expected the session to close")
        }
        XCTAssertEqual(error.sqlState, "08P01")
        XCTAssertTrue(error.message.contains("unsupported frontend protocol 2.0"), error.message)
    }

    func testUpstreamTLSNegotiation() {
        var require = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .require)
        _ = require.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        XCTAssertEqual(require.upstreamConnected(), .sendSSLRequestUpstream)
        XCTAssertEqual(require.upstreamSSLResponseReceived(UInt8(ascii: "S")), .startUpstreamTLS)
        XCTAssertTrue(require.upstreamUsesTLS)
        XCTAssertEqual(require.upstreamTLSEstablished(), .sendStartupUpstream(startup))

        var refused = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .require)
        _ = refused.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = refused.upstreamConnected()
        guard case .closeSession(let error?) = refused.upstreamSSLResponseReceived(UInt8(ascii: "N")) else {
            return XCTFail("require must not fall back to plaintext")
        }
        XCTAssertEqual(error.sqlState, "08006")

        var prefer = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .prefer)
        _ = prefer.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = prefer.upstreamConnected()
        XCTAssertEqual(prefer.upstreamSSLResponseReceived(UInt8(ascii: "N")), .sendStartupUpstream(startup))
        XCTAssertFalse(prefer.upstreamUsesTLS)

        var garbage = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .prefer)
        _ = garbage.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = garbage.upstreamConnected()
        guard case .closeSession = garbage.upstreamSSLResponseReceived(UInt8(ascii: "E")) else {
            return XCTFail("an answer other than S or N is a protocol violation")
        }
    }

    func testChannelBindingMechanismsAreWithdrawn() {
        var machine = SessionStateMachine(clientTLSAvailable: true, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        let offered = Authentication.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])
        let action = machine.serverFrameReceived(.of(offered))
        XCTAssertEqual(action, .replaceToClient(FrameEncoder.frame(Authentication.sasl(mechanisms: ["SCRAM-SHA-256"]))))

        var plain = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = plain.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = plain.upstreamConnected()
        XCTAssertEqual(plain.serverFrameReceived(.of(Authentication.sasl(mechanisms: ["SCRAM-SHA-256"]))), .forward)
    }

    private func saslInitialResponse(gs2Flag: Character) -> Frame {
        var payload = ByteBuffer()
        payload.writeCString("SCRAM-SHA-256")
        let data = "\(gs2Flag),,n=,r=abcdef"
        payload.writeInteger(Int32(data.utf8.count))
        payload.writeString(data)
        return .raw(UInt8(ascii: "p"), Array(payload.readableBytesView))
    }

    /// TLS from the client to the proxy and from the proxy to the server, SCRAM asked for.
    private func scramOverTwoTLSLegs(offering mechanisms: [String]) -> SessionStateMachine {
        var machine = SessionStateMachine(clientTLSAvailable: true, upstreamSSLMode: .require)
        _ = machine.clientStartupPacketReceived(.of(SSLRequest()), bytesFollow: false)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        _ = machine.upstreamSSLResponseReceived(UInt8(ascii: "S"))
        _ = machine.upstreamTLSEstablished()
        _ = machine.serverFrameReceived(.of(Authentication.sasl(mechanisms: mechanisms)))
        return machine
    }

    func testChannelBindingFlagAcrossTwoTLSLegsGetsAClearError() {
        var machine = scramOverTwoTLSLegs(offering: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])
        guard case .closeSession(let error?) = machine.clientFrameReceived(saslInitialResponse(gs2Flag: "y")) else {
            return XCTFail("expected a clear error instead of the server's downgrade refusal")
        }
        XCTAssertTrue(error.hint?.contains("channel_binding=disable") ?? false)
    }

    func testPlainSCRAMIsRelayedAcrossTwoTLSLegs() {
        var machine = scramOverTwoTLSLegs(offering: ["SCRAM-SHA-256"])
        XCTAssertEqual(machine.clientFrameReceived(saslInitialResponse(gs2Flag: "n")), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.of(Authentication.saslContinue(data: ByteBuffer(string: "r=x")))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.raw(UInt8(ascii: "p"), Array("c=biws".utf8))), .forward)
    }

    func testClientMustNotSpeakBeforeTheServerAsksForAuthentication() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        guard case .closeSession(let error?) = machine.clientFrameReceived(.of(Query(sql: "select 1"))) else {
            return XCTFail("a query before authentication must end the session")
        }
        XCTAssertEqual(error.sqlState, "08P01")
    }

    func testServerErrorDuringAuthenticationIsRelayedThenTheSessionEnds() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        let error = ErrorResponse(fields: .error(sqlState: "28P01", message: "password authentication failed for user \"alice\""))
        XCTAssertEqual(machine.serverFrameReceived(.of(error)), .forward)
        XCTAssertEqual(machine.upstreamClosed(), .closeQuietly)
        XCTAssertEqual(machine.clientClosed(), .none)
    }

    func testRelayForwardsEveryMessageAndTracksTransactionStatus() {
        var machine = authenticated()
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "begin"))), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.raw(UInt8(ascii: "C"), Array("BEGIN\0".utf8))), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.inTransaction)), .forward)
        guard case .relaying(let relaying) = machine.state else { return XCTFail("not relaying") }
        XCTAssertEqual(relaying.transactionStatus, .inTransaction)
        XCTAssertFalse(relaying.requestPending)
        // Unknown message types travel as they are, both ways.
        XCTAssertEqual(machine.clientFrameReceived(.raw(0x7a, [1, 2, 3])), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.raw(0x7a, [1, 2, 3])), .forward)
    }

    func testTerminateEndsTheSessionWhenTheServerCloses() {
        var machine = authenticated()
        XCTAssertEqual(machine.clientFrameReceived(.of(Terminate())), .forward)
        XCTAssertEqual(machine.upstreamClosed(), .closeQuietly)
    }

    func testDrainClosesAnIdleSessionAtOnce() {
        var machine = authenticated()
        XCTAssertEqual(machine.drainRequested(), .closeSession(.adminShutdown))
    }

    func testDrainWaitsForTheTransactionToEnd() {
        var machine = authenticated()
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "begin; insert into t values (1)"))), .forward)
        XCTAssertEqual(machine.drainRequested(), .none)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.inTransaction)), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "commit"))), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forwardThenClose(.adminShutdown))
    }

    func testDrainWaitsForAnAnswerOwedToTheClient() {
        var machine = authenticated()
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "select pg_sleep(1)"))), .forward)
        XCTAssertEqual(machine.drainRequested(), .none)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forwardThenClose(.adminShutdown))
    }

    func testUpstreamConnectFailureIsReportedToTheClient() {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        guard case .closeSession(let error?) = machine.upstreamConnectFailed("connection refused") else {
            return XCTFail("expected an error for the client")
        }
        XCTAssertEqual(error.sqlState, "08006")
        XCTAssertTrue(error.message.contains("connection refused"))
    }

    func testProtocolViolationClosesWithTheServersSQLState() {
        var machine = authenticated()
        guard case .closeSession(let error?) = machine.clientProtocolViolation(ProtocolViolation(.lengthTooSmall, "invalid message length 3")) else {
            return XCTFail("expected the session to close")
        }
        XCTAssertEqual(error.sqlState, "08P01")
        XCTAssertEqual(error.message, "invalid message length 3")
    }
}
