import Foundation
import NIOCore
import Proxy
import WireProtocol
import XCTest

/// The console's inputs as plain values: a real ConfigurationStore (reading a real file when a
/// test reloads), real statistics, and session statuses as the tracker would hold them.
private struct Console: AdminConsoleSource {
    var configurationStore: ConfigurationStore
    var sessionStatuses: [SessionStatus] = []
    var statistics = ProxyStatistics()
    var statisticsSnapshot: ProxyStatistics.Snapshot { statistics.snapshot }
    var legacyTableNames = ["basin_relationships", "god_vocabulary_profiles"]
}

/// One backend message cut from the console's output.
private struct Message {
    var id: UInt8
    var payload: ByteBuffer
    var error: ErrorFields? { id == UInt8(ascii: "E") ? try? ErrorResponse(payload: payload).fields : nil }
}

final class AdminSessionStateMachineTests: XCTestCase {
    private let settings = AdminSettings(users: ["pgcutover_admin"], password: "s3cret")
    private let loopback = IPAddress("127.0.0.1")

    private func console(_ configuration: ProxyConfiguration = ProxyConfiguration()) -> Console {
        Console(configurationStore: ConfigurationStore(fixed: configuration))
    }

    private func messages(_ action: AdminSessionStateMachine.Action) -> [Message] {
        let bytes: ByteBuffer
        switch action {
        case .send(let b), .sendAndClose(let b): bytes = b
        case .close, .none: return []
        }
        var buffer = bytes
        var decoder = FrameDecoder(phase: .messages)
        var result: [Message] = []
        while let frame = try! decoder.next(from: &buffer) {
            result.append(Message(id: frame.id!, payload: frame.payload))
        }
        XCTAssertEqual(buffer.readableBytes, 0)
        return result
    }

    private func ids(_ messages: [Message]) -> String {
        String(decoding: messages.map(\.id), as: UTF8.self)
    }

    private func authenticated(_ console: Console, user: String = "pgcutover_admin") -> AdminSessionStateMachine {
        var machine = AdminSessionStateMachine(user: user, clientAddress: loopback, settings: settings)
        let ask = messages(machine.start())
        XCTAssertEqual(ids(ask), "R")
        XCTAssertEqual(try Authentication(payload: ask[0].payload), .cleartextPassword)
        let welcome = messages(machine.frameReceived(.of(PasswordMessage(password: "s3cret")), console: console))
        XCTAssertEqual(machine.state, .ready(skippingToSync: false))
        XCTAssertEqual(welcome.first?.id, UInt8(ascii: "R"))
        XCTAssertEqual(welcome.last?.id, UInt8(ascii: "Z"))
        return machine
    }

    /// The rows of a SHOW answer, checking its shape: RowDescription, DataRows, SHOW, ReadyForQuery.
    private func rows(_ sql: String, _ machine: inout AdminSessionStateMachine, _ console: Console) -> (columns: [String], rows: [[String?]]) {
        let answer = messages(machine.frameReceived(.of(Query(sql: sql)), console: console))
        XCTAssertEqual(answer.first?.id, UInt8(ascii: "T"), "\(sql): \(answer.first?.error?.message ?? "")")
        XCTAssertEqual(ids(Array(answer.suffix(2))), "CZ")
        guard answer.count >= 3, let description = try? RowDescription(payload: answer[0].payload) else { return ([], []) }
        let data = answer.dropFirst().dropLast(2).map { message -> [String?] in
            XCTAssertEqual(message.id, UInt8(ascii: "D"))
            return try! DataRow(payload: message.payload).columns.map { $0.map { String(buffer: $0) } }
        }
        return (description.fields.map(\.name), data)
    }

    func testTheRightPasswordOpensTheConsoleWithWhatPsqlReadsAtStartup() throws {
        var machine = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: loopback, settings: settings)
        _ = machine.start()
        let welcome = messages(machine.frameReceived(.of(PasswordMessage(password: "s3cret")), console: console()))
        XCTAssertEqual(ids(welcome), "R" + String(repeating: "S", count: 6) + "KZ")
        XCTAssertEqual(try Authentication(payload: welcome[0].payload), .ok)
        let parameters = Dictionary(uniqueKeysWithValues: welcome.filter { $0.id == UInt8(ascii: "S") }.map {
            let status = try! ParameterStatus(payload: $0.payload)
            return (status.name, status.value)
        })
        XCTAssertEqual(parameters["client_encoding"], "UTF8")
        XCTAssertEqual(parameters["standard_conforming_strings"], "on")
        XCTAssertEqual(parameters["integer_datetimes"], "on")
        XCTAssertTrue(parameters["server_version"]?.hasPrefix("15.") == true)
        XCTAssertNotNil(parameters["DateStyle"])
        XCTAssertEqual(try ReadyForQuery(payload: welcome.last!.payload).status, .idle)
    }

    func testAWrongPasswordIsRefusedLikeTheServerRefusesIt() {
        var machine = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: loopback, settings: settings)
        _ = machine.start()
        let action = machine.frameReceived(.of(PasswordMessage(password: "s3cre")), console: console())
        guard case .sendAndClose = action else { return XCTFail("expected the session to end") }
        let error = messages(action).first?.error
        XCTAssertEqual(error?.sqlState, "28P01")
        XCTAssertEqual(error?[.severity], "FATAL")
        XCTAssertEqual(error?.message, "password authentication failed for user \"pgcutover_admin\"")
        XCTAssertEqual(machine.state, .closed)
    }

    func testAnUnknownUserIsRefusedEvenWithTheRightPassword() {
        var machine = AdminSessionStateMachine(user: "mallory", clientAddress: loopback, settings: settings)
        XCTAssertEqual(ids(messages(machine.start())), "R")
        let error = messages(machine.frameReceived(.of(PasswordMessage(password: "s3cret")), console: console())).first?.error
        XCTAssertEqual(error?.sqlState, "28P01")
        XCTAssertEqual(machine.state, .closed)
    }

    func testAClientOutsideTheAllowedAddressesIsRefusedBeforeAnyPassword() {
        var machine = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: IPAddress("10.1.2.3"), settings: settings)
        let action = machine.start()
        guard case .sendAndClose = action else { return XCTFail("expected the session to end") }
        XCTAssertEqual(messages(action).first?.error?.sqlState, "28000")
        XCTAssertEqual(machine.state, .closed)

        var widened = settings
        widened.allowedAddresses = [CIDR("10.0.0.0/8")!]
        var allowed = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: IPAddress("10.1.2.3"), settings: widened)
        XCTAssertEqual(ids(messages(allowed.start())), "R")
        var loopbackNowRefused = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: loopback, settings: widened)
        XCTAssertEqual(messages(loopbackNowRefused.start()).first?.error?.sqlState, "28000")
        // The IPv6 loopback is in the default list; a peer whose address is unknown is refused.
        var v6 = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: IPAddress("::1"), settings: settings)
        XCTAssertEqual(ids(messages(v6.start())), "R")
        var unknown = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: nil, settings: settings)
        XCTAssertEqual(messages(unknown.start()).first?.error?.sqlState, "28000")
    }

    func testShowSessionsListsEachSessionWithItsModesFromTheRules() {
        var configuration = ProxyConfiguration()
        configuration.cutover.rules = [CutoverRule(
            name: "scorer-ahead", match: ClientMatch(applicationName: "nightly_*"),
            tables: ["god_vocabulary_profiles": TableCutover(mode: .rewrite)])]
        var console = console(configuration)
        var scorer = SessionInfo(id: 7, clientAddress: "127.0.0.1:50000")
        scorer.user = "app"
        scorer.database = "prod"
        scorer.applicationName = "nightly_scorer"
        var other = SessionInfo(id: 9, clientAddress: "::1:50001")
        other.user = "app"
        other.database = "prod"
        other.applicationName = "web"
        var admin = SessionInfo(id: 11, clientAddress: "127.0.0.1:50002")
        admin.user = "pgcutover_admin"
        admin.database = "pgcutover"
        let since = Date(timeIntervalSince1970: 1_700_000_000)
        console.sessionStatuses = [
            SessionStatus(info: scorer, state: .inTransaction, connectedAt: since),
            SessionStatus(info: other, state: .idle, connectedAt: since),
            SessionStatus(info: admin, state: .admin, connectedAt: since),
        ]
        var machine = authenticated(console)
        let result = rows("show   sessions;", &machine, console)
        XCTAssertEqual(result.columns, ["id", "client_address", "user", "database", "application_name", "state", "modes", "connected_since"])
        XCTAssertEqual(result.rows.count, 3)
        XCTAssertEqual(result.rows[0], [
            "7", "127.0.0.1:50000", "app", "prod", "nightly_scorer", "in-transaction",
            "basin_relationships=passthrough, god_vocabulary_profiles=rewrite", "2023-11-14T22:13:20.000Z",
        ])
        XCTAssertEqual(result.rows[1][5], "idle")
        XCTAssertEqual(result.rows[1][6], "basin_relationships=passthrough, god_vocabulary_profiles=passthrough")
        XCTAssertEqual(result.rows[2][5], "admin")
        XCTAssertNil(result.rows[2][6])
    }

    func testShowStatsCountsStatementsByTableModeAndAction() {
        let console = console()
        console.statistics.statementCompleted(tables: ["basin_relationships"], mode: "rewrite", action: "rewritten", nanoseconds: 1000)
        console.statistics.statementCompleted(tables: ["basin_relationships", "god_vocabulary_profiles"], mode: "rewrite", action: "rewritten", nanoseconds: 1000)
        console.statistics.statementCompleted(tables: ["basin_relationships"], mode: "block", action: "blocked", nanoseconds: 1000)
        console.statistics.shadowCompared(verdict: "mismatch")
        var machine = authenticated(console)
        let result = rows("SHOW STATS", &machine, console)
        XCTAssertEqual(result.columns, ["statistic", "table", "mode", "action", "value"])
        let statements = result.rows.filter { $0[0] == "statements" }
        XCTAssertEqual(statements, [
            ["statements", "basin_relationships", "block", "blocked", "1"],
            ["statements", "basin_relationships", "rewrite", "rewritten", "2"],
            ["statements", "god_vocabulary_profiles", "rewrite", "rewritten", "1"],
        ])
        XCTAssertEqual(result.rows.filter { $0[0] == "shadow_comparisons" }, [["shadow_comparisons", nil, nil, "mismatch", "1"]])
        XCTAssertEqual(result.rows.first { $0[0] == "sessions" }?[4], "0")
    }

    func testShowConfigMasksThePassword() {
        var configuration = ProxyConfiguration()
        configuration.admin = settings
        configuration.metrics = MetricsSettings(listen: HostPort(host: "127.0.0.1", port: 9999))
        configuration.upstream = HostPort(host: "db.internal", port: 5433)
        configuration.shadow = ShadowSettings(user: "pgcutover_shadow", password: "shadow-pw")
        let console = console(configuration)
        var machine = authenticated(console)
        let answer = machine.frameReceived(.of(Query(sql: "SHOW CONFIG")), console: console)
        guard case .send(let bytes) = answer else { return XCTFail("expected an answer") }
        XCTAssertNil(String(buffer: bytes).range(of: "s3cret"), "the password must not leave the proxy")
        XCTAssertNil(String(buffer: bytes).range(of: "shadow-pw"), "the shadow password must not leave the proxy")
        let result = rows("SHOW CONFIG", &machine, console)
        let values = Dictionary(uniqueKeysWithValues: result.rows.map { ($0[0]!, $0[1]) })
        XCTAssertEqual(values["admin.password"], "********")
        XCTAssertEqual(values["cutover.shadow.password"], "********")
        XCTAssertEqual(values["cutover.shadow.user"], "pgcutover_shadow")
        XCTAssertEqual(values["upstream.address"], "db.internal:5433")
        XCTAssertEqual(values["metrics.listen"], "127.0.0.1:9999")
        XCTAssertEqual(values["admin.allowed_addresses"], "127.0.0.1/32, 0:0:0:0:0:0:0:1/128")
        XCTAssertEqual(values["generation"], "1")
        XCTAssertEqual(values["server.max_client_connections"], "5000")
        XCTAssertEqual(values["server.login_timeout_seconds"], "60")
        XCTAssertEqual(values["server.tcp_keepalive"], "on (idle 60 s, interval 10 s, count 6)")
        XCTAssertEqual(values["upstream.response_timeout_seconds"], "0")
    }

    func testLoginTimeoutEndsAConsoleWaitingForItsPasswordOnly() {
        var waiting = AdminSessionStateMachine(user: "pgcutover_admin", clientAddress: loopback, settings: settings)
        _ = waiting.start()
        let answer = messages(waiting.loginTimeoutExpired(.seconds(60)))
        XCTAssertEqual(answer.first?.error?.sqlState, "08006")
        XCTAssertEqual(answer.first?.error?.message, "canceling authentication due to timeout")
        XCTAssertEqual(waiting.state, .closed)

        var ready = authenticated(console())
        guard case .none = ready.loginTimeoutExpired(.seconds(60)) else { return XCTFail("an authenticated console stays") }
        XCTAssertEqual(ready.state, .ready(skippingToSync: false))
    }

    func testShowRulesListsTableDefaultsThenRules() {
        var configuration = ProxyConfiguration()
        configuration.cutover.tables["god_vocabulary_profiles"] = TableCutover(mode: .dualWrite)
        configuration.cutover.rules = [CutoverRule(
            name: "scorer-ahead", match: ClientMatch(applicationName: "nightly_*", clientAddress: CIDR("10.0.0.0/8")),
            tables: ["god_vocabulary_profiles": TableCutover(mode: .rewrite, reverseDualWrite: true)])]
        let console = console(configuration)
        var machine = authenticated(console)
        let result = rows("SHOW RULES", &machine, console)
        XCTAssertEqual(result.columns, ["rule", "match", "table", "mode"])
        XCTAssertEqual(result.rows, [
            ["(default)", "*", "basin_relationships", "passthrough"],
            ["(default)", "*", "god_vocabulary_profiles", "dual-write"],
            ["scorer-ahead", "application_name=nightly_* client_address=10.0.0.0/8", "god_vocabulary_profiles", "rewrite+reverse-dual-write"],
        ])
    }

    func testShowHelpListsEveryCommand() {
        let console = console()
        var machine = authenticated(console)
        XCTAssertEqual(rows("show help", &machine, console).rows.map { $0[0] }, AdminCommand.allCases.map(\.rawValue))
    }

    func testReloadReadsTheFileAgainAndABrokenFileKeepsTheRunningConfiguration() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgcutover-admin-\(UUID()).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[cutover]\nmode = \"passthrough\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let store = ConfigurationStore(initial: try ConfigurationFile.load(path: path)) { () throws(ConfigurationError) in
            try ConfigurationFile.load(path: path)
        }
        let console = Console(configurationStore: store)
        var machine = authenticated(console)

        try "[cutover]\nmode = \"rewrite\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reloaded = messages(machine.frameReceived(.of(Query(sql: "RELOAD;")), console: console))
        XCTAssertEqual(ids(reloaded), "CZ")
        XCTAssertEqual(try CommandComplete(payload: reloaded[0].payload).tag, "RELOAD")
        XCTAssertEqual(store.generation, 2)
        XCTAssertEqual(store.current.configuration.mode, .rewrite)

        try "[cutover]\nmode = \"rewrite\"\nmood = 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let refused = messages(machine.frameReceived(.of(Query(sql: "reload")), console: console))
        XCTAssertEqual(ids(refused), "EZ")
        XCTAssertEqual(refused[0].error?.sqlState, "F0000")
        XCTAssertEqual(refused[0].error?.message, "\(path):3: cutover.mood: unknown key")
        XCTAssertEqual(refused[0].error?[.severity], "ERROR")
        XCTAssertEqual(store.generation, 2)
        XCTAssertEqual(store.current.configuration.mode, .rewrite)
        XCTAssertEqual(machine.state, .ready(skippingToSync: false))
    }

    func testTheExtendedProtocolIsRefusedUntilSyncThenTheSessionGoesOn() {
        let console = console()
        var machine = authenticated(console)
        let refused = messages(machine.frameReceived(.of(Parse(statementName: "", query: "SHOW STATS")), console: console))
        XCTAssertEqual(ids(refused), "E")
        XCTAssertEqual(refused[0].error?.sqlState, "0A000")
        XCTAssertEqual(ids(messages(machine.frameReceived(.of(Execute(portalName: "")), console: console))), "")
        let sync = messages(machine.frameReceived(.of(Sync()), console: console))
        XCTAssertEqual(ids(sync), "Z")
        XCTAssertEqual(rows("SHOW HELP", &machine, console).rows.count, AdminCommand.allCases.count)
    }

    func testAnUnknownCommandNamesTheCommandsAndTheSessionGoesOn() {
        let console = console()
        var machine = authenticated(console)
        let answer = messages(machine.frameReceived(.of(Query(sql: "SELECT 1")), console: console))
        XCTAssertEqual(ids(answer), "EZ")
        XCTAssertEqual(answer[0].error?.sqlState, "42601")
        XCTAssertEqual(answer[0].error?[.hint], "The commands are SHOW SESSIONS, SHOW STATS, SHOW CONFIG, SHOW RULES, SHOW HELP, RELOAD.")
        XCTAssertEqual(ids(messages(machine.frameReceived(.of(Query(sql: " ; ")), console: console))), "IZ")
        guard case .close = machine.frameReceived(.of(Terminate()), console: console) else { return XCTFail("expected a close") }
        XCTAssertEqual(machine.state, .closed)
    }

    func testOnlyAConfiguredConsoleTakesDatabasePgcutoverOverFromTheRelay() {
        let startup = StartupMessage(parameters: [("user", "pgcutover_admin"), ("database", "pgcutover")])
        var relayed = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        XCTAssertEqual(relayed.clientStartupPacketReceived(.of(startup), bytesFollow: false), .connectUpstream)

        var console = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        console.adminConsoleEnabled = true
        guard case .startAdminConsole(let seen) = console.clientStartupPacketReceived(.of(startup), bytesFollow: false) else {
            return XCTFail("expected the admin console")
        }
        XCTAssertEqual(seen, startup)
        XCTAssertEqual(console.clientFramingPhase, .messages)

        // Without a database name the server takes the user name, and so does the console.
        var byUser = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        byUser.adminConsoleEnabled = true
        let userOnly = StartupMessage(parameters: [("user", "pgcutover")])
        guard case .startAdminConsole = byUser.clientStartupPacketReceived(.of(userOnly), bytesFollow: false) else {
            return XCTFail("expected the admin console")
        }

        var other = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable)
        other.adminConsoleEnabled = true
        let normal = StartupMessage(parameters: [("user", "app"), ("database", "prod")])
        XCTAssertEqual(other.clientStartupPacketReceived(.of(normal), bytesFollow: false), .connectUpstream)
    }
}
