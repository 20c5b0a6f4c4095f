import NIOCore
import Proxy
import WireProtocol
import XCTest

/// `relaysUnread` lets the handler skip building a frame and asking the machine about it. These
/// tests hold it to its promise: wherever it says yes, the machine itself would have forwarded
/// the frame and changed nothing; and it says yes for the frames of an ordinary pass-through
/// request, which is what makes relaying cheap.
final class UnreadRelayTests: XCTestCase {
    private static let startup = StartupMessage(parameters: [("user", "app"), ("database", "words")])
    private static let everyType: [UInt8] = Array(0x20...0x7e)

    /// A machine at the point where the server has just said ReadyForQuery.
    private static func relaying(router: StatementRouter?, store: ConfigurationStore?) -> SessionStateMachine {
        var machine = SessionStateMachine(
            clientTLSAvailable: false, upstreamSSLMode: .disable, router: router, store: store)
        _ = machine.clientStartupPacketReceived(.of(startup), bytesFollow: false)
        _ = machine.upstreamConnected()
        _ = machine.serverFrameReceived(.of(Authentication.ok))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        return machine
    }

    private static func store(_ mode: CutoverMode) -> ConfigurationStore {
        var configuration = ProxyConfiguration()
        configuration.mode = mode
        return ConfigurationStore(fixed: configuration)
    }

    /// Sessions in every kind of relaying: no mapping at all; a mapping with every table in
    /// passthrough (no pipeline); every table rewritten (a pipeline). Each at the moments that
    /// matter: idle, a request under way, inside a transaction.
    private func situations() -> [(String, SessionStateMachine)] {
        var result: [(String, SessionStateMachine)] = []
        let kinds: [(String, StatementRouter?, ConfigurationStore?)] = [
            ("no mapping", nil, nil),
            ("passthrough", ShippedMapping.router, Self.store(.passthrough)),
            ("rewrite", ShippedMapping.router, Self.store(.rewrite)),
        ]
        for (name, router, store) in kinds {
            var machine = Self.relaying(router: router, store: store)
            result.append(("\(name), idle", machine))
            _ = machine.clientFrameReceived(.of(Query(sql: "BEGIN")))
            result.append(("\(name), request under way", machine))
            _ = machine.serverFrameReceived(.of(CommandComplete(tag: "BEGIN")))
            _ = machine.serverFrameReceived(.readyForQuery(.inTransaction))
            result.append(("\(name), in a transaction", machine))
            _ = machine.clientFrameReceived(.of(Bind(portalName: "", statementName: "s")))
            result.append(("\(name), extended request under way", machine))
        }
        return result
    }

    /// What a caller can see of a machine.
    private func observable(_ machine: SessionStateMachine) -> String {
        // The types relayed unread, as their letters, to keep a failure's message readable.
        let client = String(decoding: Self.everyType.filter { machine.relaysUnread(clientMessage: $0) }, as: UTF8.self)
        let server = String(decoding: Self.everyType.filter { machine.relaysUnread(serverMessage: $0) }, as: UTF8.self)
        return "\(machine.state) \(String(describing: machine.timeout)) \(String(describing: machine.sessionModes)) client unread: \(client) server unread: \(server)"
    }

    func testAFrameRelayedUnreadIsOneTheMachineWouldForwardWithoutChangingAnything() {
        var checked = 0
        for (name, machine) in situations() {
            let before = observable(machine)
            for id in Self.everyType {
                // Payloads of the wrong shape too: an unread frame may be anything.
                for payload in [[UInt8](), [0, 0, 0, 0], Array("SELECT 1\0".utf8)] {
                    if machine.relaysUnread(clientMessage: id) {
                        var copy = machine
                        XCTAssertEqual(copy.clientFrameReceived(.raw(id, payload)), .forward, "\(name): client \(id)")
                        XCTAssertEqual(observable(copy), before, "\(name): client \(id) changed the machine")
                        checked += 1
                    }
                    if machine.relaysUnread(serverMessage: id) {
                        var copy = machine
                        XCTAssertEqual(copy.serverFrameReceived(.raw(id, payload)), .forward, "\(name): server \(id)")
                        XCTAssertEqual(observable(copy), before, "\(name): server \(id) changed the machine")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 0, "some frame must be relayed unread, or this test checks nothing")
    }

    func testAPassThroughRequestIsRelayedUnreadButForTheFramesThatSteerTheSession() throws {
        for (router, store) in [(nil, nil), (ShippedMapping.router, Self.store(.passthrough))] as [(StatementRouter?, ConfigurationStore?)] {
            var machine = Self.relaying(router: router, store: store)
            // The first frame of a request starts a transaction's bookkeeping: the machine reads it.
            XCTAssertFalse(machine.relaysUnread(clientMessage: FrontendMessageID.bind.rawValue))
            XCTAssertFalse(machine.relaysUnread(clientMessage: FrontendMessageID.query.rawValue))
            _ = machine.clientFrameReceived(.of(Bind(portalName: "", statementName: "s")))
            for id in [FrontendMessageID.execute, .sync, .describe, .flush, .copyData, .copyDone, .copyFail, .query] {
                XCTAssertTrue(machine.relaysUnread(clientMessage: id.rawValue), "\(id)")
            }
            for id in [FrontendMessageID.terminate, .parse, .close] {
                XCTAssertFalse(machine.relaysUnread(clientMessage: id.rawValue), "\(id) is read")
            }
            for id in [BackendMessageID.bindComplete, .dataRow, .commandComplete, .rowDescription, .errorResponse,
                       .noticeResponse, .notificationResponse, .copyData, .copyOutResponse] {
                XCTAssertTrue(machine.relaysUnread(serverMessage: id.rawValue), "\(id)")
            }
            for id in [BackendMessageID.readyForQuery, .parameterStatus] {
                XCTAssertFalse(machine.relaysUnread(serverMessage: id.rawValue), "\(id) is read")
            }
            _ = machine.serverFrameReceived(.readyForQuery(.idle))
            XCTAssertFalse(machine.relaysUnread(clientMessage: FrontendMessageID.sync.rawValue), "a new request begins")
        }
    }

    func testNothingIsRelayedUnreadOutsideRelayingOrWithAPipeline() {
        var starting = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        _ = starting.clientStartupPacketReceived(.of(Self.startup), bytesFollow: false)
        _ = starting.upstreamConnected()
        // Authentication: every server frame may steer the session.
        XCTAssertFalse(Self.everyType.contains { starting.relaysUnread(serverMessage: $0) })
        XCTAssertFalse(Self.everyType.contains { starting.relaysUnread(clientMessage: $0) })

        var rewriting = Self.relaying(router: ShippedMapping.router, store: Self.store(.rewrite))
        _ = rewriting.clientFrameReceived(.of(Query(sql: "SELECT 1")))
        XCTAssertNotNil(rewriting.sessionModes, "the rewrite mode brings a pipeline")
        XCTAssertFalse(Self.everyType.contains { rewriting.relaysUnread(clientMessage: $0) })
        XCTAssertFalse(Self.everyType.contains { rewriting.relaysUnread(serverMessage: $0) })
    }
}
