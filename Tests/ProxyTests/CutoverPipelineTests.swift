import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import Proxy
import Rewriter
import WireProtocol
import XCTest

/// Per-table, per-client modes in the session: rules, mixed-mode refusal, dual-write and shadow
/// audit, `pgcutover.sync` injection and configuration generations, frame by frame, no socket.
final class CutoverPipelineTests: XCTestCase {
    private static let router = ShippedMapping.router
    private static let god = "god_vocabulary_profiles"
    private static let basin = "basin_relationships"

    private func modes(god: CutoverMode, basin: CutoverMode) -> SessionModes {
        SessionModes(tables: [Self.god: TableCutover(mode: god), Self.basin: TableCutover(mode: basin)])
    }

    private func frames(_ bytes: ByteBuffer) -> [Frame] { Frame.all(in: bytes) }

    private func tag(_ text: String) -> Frame { .of(CommandComplete(tag: text)) }

    // MARK: Policy

    func testTheFirstMatchingRuleNamingATableDecidesIt() throws {
        let policy = CutoverPolicy(
            defaultTable: TableCutover(mode: .passthrough),
            tables: [Self.basin: TableCutover(mode: .dualWrite)],
            rules: [
                CutoverRule(name: "office", match: ClientMatch(clientAddress: CIDR("10.1.0.0/16")), tables: [Self.god: TableCutover(mode: .block)]),
                CutoverRule(name: "scorer", match: ClientMatch(applicationName: "nightly_scorer*"),
                            tables: [Self.god: TableCutover(mode: .rewrite, reverseDualWrite: true)]),
                CutoverRule(name: "everyone-reporting", match: ClientMatch(user: "report*"), everyTable: TableCutover(mode: .shadow)),
            ])
        let names = [Self.god, Self.basin]
        let scorer = policy.modes(for: ClientIdentity(applicationName: "nightly_scorer_v2", user: "app", database: "db"), tables: names)
        XCTAssertEqual(scorer[Self.god], TableCutover(mode: .rewrite, reverseDualWrite: true))
        XCTAssertEqual(scorer[Self.basin].mode, .dualWrite, "a table the rule does not name keeps its default")
        XCTAssertEqual(scorer.decidedBy, [Self.god: "scorer"])
        XCTAssertEqual(scorer.syncSetting, "basin_relationships=forward,god_vocabulary_profiles=reverse")

        let office = policy.modes(
            for: ClientIdentity(applicationName: "nightly_scorer", user: "report1", database: "db", address: IPAddress("10.1.2.3")), tables: names)
        XCTAssertEqual(office[Self.god].mode, .block, "the first matching rule wins")
        XCTAssertEqual(office[Self.basin].mode, .shadow, "a later rule still decides the tables earlier ones leave alone")

        let other = policy.modes(for: ClientIdentity(applicationName: "psql", user: "app", database: "db", address: IPAddress("10.2.0.1")), tables: names)
        XCTAssertEqual(other[Self.god].mode, .passthrough)
        XCTAssertEqual(other.syncSetting, "basin_relationships=forward")
    }

    // MARK: Statements

    func testAStatementOverTablesReadFromDifferentSidesIsRefused() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .rewrite, basin: .passthrough), auditing: true)
        let sql = "SELECT g.word FROM god_vocabulary_profiles g JOIN basin_relationships b ON b.word = g.word"
        guard case .replace(let sent) = pipeline.clientFrameReceived(.of(Query(sql: sql))) else { return XCTFail("expected a refusal") }
        XCTAssertEqual(try Query(frame: frames(sent)[0]).sql, RewritePipeline.failingStatement)
        guard case .replace(let answer) = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x")))) else {
            return XCTFail("expected the proxy's error")
        }
        let fields = try ErrorResponse(frame: frames(answer)[0]).fields
        XCTAssertEqual(fields.sqlState, "0A000")
        let message = try XCTUnwrap(fields.message)
        XCTAssertTrue(message.hasPrefix("pgcutover cannot run one statement over legacy tables in these cutover modes: "), message)
        XCTAssertTrue(message.contains("god_vocabulary_profiles (rewrite)"), message)
        XCTAssertTrue(message.contains("basin_relationships (passthrough)"), message)
        XCTAssertEqual(pipeline.takeCompletions().first?.audit.action, .refused)
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        // Tables on the same side run at the earliest stage of theirs: unchanged here.
        pipeline.modes = modes(god: .shadow, basin: .passthrough)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: sql))), .forward)
        _ = pipeline.serverFrameReceived(tag("SELECT 2"))
        let completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.mode, .passthrough)
        XCTAssertEqual(completion.audit.action, .passed)
        XCTAssertNil(completion.shadow)
    }

    func testDualWriteSendsTheStatementUnchangedAndAuditsWritesAsDualWritten() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .dualWrite, basin: .passthrough), auditing: true)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "UPDATE god_vocabulary_profiles SET relevance_score = 1 WHERE word = 'a'"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("UPDATE 3")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        var completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .dualWritten)
        XCTAssertEqual(completion.audit.mode, .dualWrite)
        XCTAssertEqual(completion.rows, 3)

        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT word FROM god_vocabulary_profiles"))), .forward)
        _ = pipeline.serverFrameReceived(tag("SELECT 5"))
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .passed, "a read in dual-write mode is served by the legacy table alone")
        XCTAssertNil(completion.shadow, "dual-write compares nothing")
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "DELETE FROM basin_relationships"))), .forward)
        _ = pipeline.serverFrameReceived(tag("DELETE 1"))
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .passed)
        XCTAssertEqual(completion.audit.mode, .passthrough)
    }

    func testShadowReadsCompleteWithWhatTheComparerNeeds() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .shadow, basin: .shadow), auditing: true)
        let read = "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = 'zeus' ORDER BY word"
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: read))), .forward)
        _ = pipeline.serverFrameReceived(tag("SELECT 2"))
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))
        var completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .shadowed)
        XCTAssertEqual(completion.audit.mode, .shadow)
        XCTAssertEqual(completion.shadow, ShadowInput(sql: read))

        // A failed read is not compared; a write is dual-written.
        _ = pipeline.clientFrameReceived(.of(Query(sql: read)))
        _ = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "57014", message: "canceled"))))
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertNil(completion.shadow)
        XCTAssertEqual(completion.sqlState, "57014")
        _ = pipeline.clientFrameReceived(.of(Query(sql: "INSERT INTO basin_relationships (word, neighbor, strength) VALUES ('a', 'b', 1)")))
        _ = pipeline.serverFrameReceived(tag("INSERT 0 1"))
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .dualWritten)
        XCTAssertNil(completion.shadow)
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        // Several statements in one Query cannot be run again one by one: audited, not compared.
        _ = pipeline.clientFrameReceived(.of(Query(sql: "SELECT 1; SELECT word FROM god_vocabulary_profiles")))
        _ = pipeline.serverFrameReceived(tag("SELECT 1"))
        _ = pipeline.serverFrameReceived(tag("SELECT 4"))
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .passed)
        XCTAssertNil(completion.shadow)
    }

    func testAShadowReadInTheExtendedProtocolCarriesItsParameters() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .shadow, basin: .passthrough), auditing: true)
        let sql = "SELECT word FROM god_vocabulary_profiles WHERE god_name = $1 AND relevance_score > $2"
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Parse(statementName: "s1", query: sql, parameterTypes: [25, 0]))), .forward)
        let score = ByteBuffer(bytes: [0x3f, 0xe0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Bind(
            portalName: "", statementName: "s1", parameterFormats: [.text, .binary],
            parameters: [ByteBuffer(string: "zeus"), score], resultFormats: []))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        // NULL and the one-format shorthand: every parameter takes the one format.
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "p2", statementName: "s1", parameterFormats: [.binary], parameters: [nil, score], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "p2")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(ParseComplete()), .of(BindComplete()), tag("SELECT 1"), .of(BindComplete()), tag("SELECT 0"), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        let completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.count, 2)
        XCTAssertEqual(completions[0].shadow, ShadowInput(sql: sql, parameterTypes: [25, 0], parameterFormats: [0, 1], parameters: [ByteBuffer(string: "zeus"), score]))
        XCTAssertEqual(completions[0].audit.action, .shadowed)
        XCTAssertEqual(completions[1].shadow, ShadowInput(sql: sql, parameterTypes: [25, 0], parameterFormats: [1, 1], parameters: [nil, score]))
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    /// asyncpg's fetchrow and JDBC's fetch size send Execute with a row limit: a legacy read that
    /// ends in PortalSuspended is audited with the rows it returned, like one that completes.
    func testAnExecuteSuspendedByItsRowLimitIsAudited() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .dualWrite, basin: .passthrough), auditing: true)
        let sql = "SELECT word FROM god_vocabulary_profiles WHERE god_name = $1"
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "s1", query: sql, parameterTypes: [25])))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "p", statementName: "s1", parameterFormats: [], parameters: [ByteBuffer(string: "zeus")], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "p", maxRows: 2)))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "p", maxRows: 2)))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        let row = Frame.of(DataRow(columns: [ByteBuffer(string: "w")]))
        for frame in [Frame.of(ParseComplete()), .of(BindComplete()), row, row, .of(PortalSuspended()), row, tag("SELECT 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        let completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.map(\.rows), [2, 1])
        XCTAssertEqual(completions.map(\.audit.action), [.passed, .passed])
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    /// `audit.all_statements`: statements on no legacy table are recorded too, as passed with no
    /// tables; without it they are not.
    func testEveryStatementIsAuditedOnlyWhenAsked() throws {
        for everything in [false, true] {
            var pipeline = RewritePipeline(router: Self.router, modes: modes(god: .passthrough, basin: .passthrough), auditing: true)
            pipeline.auditsEveryStatement = everything
            XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT 1"))), .forward)
            for frame in [Frame.of(RowDescription(fields: [])), tag("SELECT 1"), .readyForQuery(.idle)] {
                _ = pipeline.serverFrameReceived(frame)
            }
            _ = pipeline.clientFrameReceived(.of(Parse(statementName: "plain", query: "SELECT $1::int", parameterTypes: [])))
            _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "plain", parameterFormats: [], parameters: [ByteBuffer(string: "7")], resultFormats: [])))
            _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
            _ = pipeline.clientFrameReceived(.of(Sync()))
            for frame in [Frame.of(ParseComplete()), .of(BindComplete()), .of(DataRow(columns: [ByteBuffer(string: "7")])), tag("SELECT 1"), .readyForQuery(.idle)] {
                _ = pipeline.serverFrameReceived(frame)
            }
            let completions = pipeline.takeCompletions()
            if everything {
                XCTAssertEqual(completions.map(\.audit.sql), ["SELECT 1", "SELECT $1::int"])
                XCTAssertEqual(completions.map(\.audit.tables), [[], []])
                XCTAssertEqual(completions.map(\.audit.action), [.passed, .passed])
                XCTAssertEqual(completions.map(\.rows), [1, 1])
            } else {
                XCTAssertEqual(completions.count, 0)
            }
            XCTAssertTrue(pipeline.expectations.isEmpty)
        }
    }

    // MARK: Session: pgcutover.sync and generations

    /// A store whose "file" the test rewrites.
    private final class Source: Sendable {
        let box: NIOLockedValueBox<ProxyConfiguration>
        init(_ configuration: ProxyConfiguration) { box = NIOLockedValueBox(configuration) }
        func set(_ configuration: ProxyConfiguration) { box.withLockedValue { $0 = configuration } }
        func makeStore() -> ConfigurationStore {
            ConfigurationStore(initial: box.withLockedValue { $0 }) { () throws(ConfigurationError) in self.box.withLockedValue { $0 } }
        }
    }

    private func configuration(_ rules: [CutoverRule] = [], defaultMode: CutoverMode = .passthrough) -> ProxyConfiguration {
        var configuration = ProxyConfiguration()
        configuration.cutover = CutoverPolicy(defaultTable: TableCutover(mode: defaultMode), rules: rules)
        return configuration
    }

    private func relayingMachine(
        _ store: ConfigurationStore, applicationName: String = "loader", auditing: Bool = false, shadowing: Bool = false
    ) -> SessionStateMachine {
        var machine = SessionStateMachine(
            clientTLSAvailable: false, upstreamSSLMode: .disable, router: Self.router, store: store, auditing: auditing,
            shadowing: shadowing, clientAddress: IPAddress("192.0.2.7"))
        _ = machine.clientStartupPacketReceived(
            .of(StartupMessage(parameters: [("user", "app"), ("database", "words"), ("application_name", applicationName)])), bytesFollow: false)
        _ = machine.upstreamConnected()
        _ = machine.serverFrameReceived(.of(Authentication.ok))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        return machine
    }

    private func sent(_ action: SessionStateMachine.Action) -> [Frame] {
        guard case .replaceToServer(let bytes) = action else { return [] }
        return frames(bytes)
    }


    func testSyncIsSetAtATransactionStartAndItsAnswersAreSwallowed() throws {
        let rule = CutoverRule(name: "loader-dual", match: ClientMatch(applicationName: "load*"), tables: [Self.god: TableCutover(mode: .dualWrite)])
        var machine = relayingMachine(Source(configuration([rule])).makeStore())
        let injected = sent(machine.clientFrameReceived(.of(Query(sql: "SELECT 1"))))
        XCTAssertEqual(injected.count, 2)
        XCTAssertEqual(try Query(frame: injected[0]).sql, "SET pgcutover.sync = 'god_vocabulary_profiles=forward'")
        XCTAssertEqual(try Query(frame: injected[1]).sql, "SELECT 1")
        XCTAssertEqual(machine.serverFrameReceived(tag("SET")), .drop)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .drop)
        guard case .relaying(let relaying) = machine.state else { return XCTFail("not relaying") }
        XCTAssertTrue(relaying.requestPending, "the swallowed ReadyForQuery answers the proxy, not the client")
        XCTAssertEqual(machine.serverFrameReceived(tag("SELECT 1")), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        // The value is set: the next transactions send the client's bytes alone.
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "SELECT 2"))), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)

        // A session no rule moves sets nothing at all.
        var other = relayingMachine(Source(configuration([rule])).makeStore(), applicationName: "psql")
        XCTAssertEqual(other.clientFrameReceived(.of(Query(sql: "SELECT 1"))), .forward)
        XCTAssertEqual(other.sessionModes?.syncSetting, "")
    }

    func testTheExtendedProtocolSetsSyncWithItsOwnNamedStatement() throws {
        var machine = relayingMachine(Source(configuration(defaultMode: .shadow)).makeStore())
        let injected = sent(machine.clientFrameReceived(.of(Parse(statementName: "", query: "SELECT 1"))))
        XCTAssertEqual(injected.map(\.frontendID), [.parse, .bind, .execute, .close, .sync, .parse])
        let parse = try Parse(frame: injected[0])
        XCTAssertEqual(parse.statementName, "pgcutover_sync")
        XCTAssertEqual(parse.query, "SET pgcutover.sync = 'basin_relationships=forward,god_vocabulary_profiles=forward'")
        XCTAssertEqual(try Bind(frame: injected[1]).portalName, "pgcutover_sync")
        XCTAssertEqual(try Execute(frame: injected[2]).portalName, "pgcutover_sync")
        XCTAssertEqual(try Close(frame: injected[3]).target, .statement("pgcutover_sync"))
        XCTAssertEqual(try Parse(frame: injected[5]).statementName, "", "the client's own Parse follows")
        XCTAssertEqual(machine.clientFrameReceived(.of(Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [], resultFormats: []))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.of(Sync())), .forward)
        for frame in [Frame.of(ParseComplete()), .of(BindComplete()), tag("SET"), .of(CloseComplete()), .readyForQuery(.idle)] {
            XCTAssertEqual(machine.serverFrameReceived(frame), .drop)
        }
        for frame in [Frame.of(ParseComplete()), .of(BindComplete()), tag("SELECT 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(machine.serverFrameReceived(frame), .forward)
        }
    }

    func testAFailedSetIsTriedAgainAtTheNextTransaction() throws {
        var machine = relayingMachine(Source(configuration(defaultMode: .dualWrite)).makeStore())
        XCTAssertEqual(sent(machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))).count, 2)
        XCTAssertEqual(machine.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "XX000", message: "x")))), .drop)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .drop)
        XCTAssertEqual(machine.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertEqual(sent(machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))).count, 2)
        _ = machine.serverFrameReceived(tag("SET"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        // DISCARD ALL resets every setting, ours too.
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "DISCARD ALL"))), .forward)
        _ = machine.serverFrameReceived(tag("DISCARD ALL"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        XCTAssertEqual(sent(machine.clientFrameReceived(.of(Query(sql: "SELECT 1")))).count, 2)
    }

    func testANewGenerationIsAdoptedOnlyAtATransactionStart() throws {
        let source = Source(configuration())
        let store = source.makeStore()
        var machine = relayingMachine(store, auditing: true)
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "BEGIN"))), .forward)
        _ = machine.serverFrameReceived(tag("BEGIN"))
        _ = machine.serverFrameReceived(.readyForQuery(.inTransaction))
        XCTAssertEqual(machine.adoptedGeneration, 1)

        source.set(configuration(defaultMode: .dualWrite))
        guard case .success(let snapshot) = store.reload() else { return XCTFail("reload failed") }
        XCTAssertEqual(snapshot.generation, 2)
        let update = "UPDATE god_vocabulary_profiles SET relevance_score = 2"
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: update))), .forward, "no SET inside a transaction")
        _ = machine.serverFrameReceived(tag("UPDATE 1"))
        _ = machine.serverFrameReceived(.readyForQuery(.inTransaction))
        XCTAssertEqual(machine.takeCompletions().first?.audit.mode, .passthrough, "the transaction keeps the modes it began with")
        XCTAssertEqual(machine.adoptedGeneration, 1)
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "COMMIT"))), .forward)
        _ = machine.serverFrameReceived(tag("COMMIT"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))

        let injected = sent(machine.clientFrameReceived(.of(Query(sql: update))))
        XCTAssertEqual(injected.count, 2)
        XCTAssertEqual(machine.adoptedGeneration, 2)
        XCTAssertEqual(machine.sessionModes?[Self.god].mode, .dualWrite)
        _ = machine.serverFrameReceived(tag("SET"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        _ = machine.serverFrameReceived(tag("UPDATE 1"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        let completion = try XCTUnwrap(machine.takeCompletions().first)
        XCTAssertEqual(completion.audit.mode, .dualWrite)
        XCTAssertEqual(completion.audit.action, .dualWritten)

        // Back to passthrough: the setting is cleared at the next transaction start.
        source.set(configuration())
        store.reload()
        XCTAssertEqual(try Query(frame: sent(machine.clientFrameReceived(.of(Query(sql: "SELECT 1"))))[0]).sql, "SET pgcutover.sync = ''")
    }

    func testAnApplicationNameChangeAppliesFromTheNextTransaction() throws {
        let rule = CutoverRule(name: "scorer", match: ClientMatch(applicationName: "nightly_scorer"), everyTable: TableCutover(mode: .rewrite))
        var machine = relayingMachine(Source(configuration([rule])).makeStore(), applicationName: "psql")
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "SET application_name = 'nightly_scorer'"))), .forward)
        _ = machine.serverFrameReceived(tag("SET"))
        _ = machine.serverFrameReceived(.of(ParameterStatus(name: "application_name", value: "nightly_scorer")))
        XCTAssertEqual(machine.sessionModes?[Self.god].mode, .passthrough, "the rule matches no psql session")
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        guard case .replaceToServer(let bytes) = machine.clientFrameReceived(.of(Query(sql: "SELECT word FROM god_vocabulary_profiles"))) else {
            return XCTFail("expected the rewrite")
        }
        XCTAssertEqual(machine.identity?.applicationName, "nightly_scorer")
        XCTAssertTrue(try Query(frame: frames(bytes)[0]).sql.contains("coordizer_vocabulary"))
    }

    func testAPassthroughSessionWithoutAuditHasNoPipeline() {
        var machine = relayingMachine(Source(configuration()).makeStore())
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "SELECT * FROM god_vocabulary_profiles"))), .forward)
        XCTAssertNil(machine.sessionModes)
        XCTAssertEqual(machine.adoptedGeneration, 1)
    }

    /// A proxy that can shadow (it has a mapping) must still relay pure passthrough sessions
    /// without a pipeline; the first table put in shadow brings one that records the reads.
    func testShadowingAloneBringsNoPipelineUntilATableIsShadowed() throws {
        let source = Source(configuration())
        let store = source.makeStore()
        var machine = relayingMachine(store, shadowing: true)
        let read = "SELECT word FROM god_vocabulary_profiles"
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: read))), .forward)
        XCTAssertNil(machine.sessionModes, "pure relaying")
        _ = machine.serverFrameReceived(tag("SELECT 0"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        XCTAssertTrue(machine.takeCompletions().isEmpty)

        source.set(configuration(defaultMode: .shadow))
        store.reload()
        _ = machine.clientFrameReceived(.of(Query(sql: read)))
        XCTAssertEqual(machine.sessionModes?[Self.god].mode, .shadow)
        _ = machine.serverFrameReceived(tag("SET"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        _ = machine.serverFrameReceived(tag("SELECT 0"))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        let completion = try XCTUnwrap(machine.takeCompletions().first)
        XCTAssertEqual(completion.shadow, ShadowInput(sql: read))
    }
}
