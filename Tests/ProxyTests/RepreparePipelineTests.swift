import Foundation
import NIOConcurrencyHelpers
import NIOCore
@testable import Proxy
import Rewriter
import WireProtocol
import XCTest

/// Named prepared statements follow the session's modes: a statement prepared under other modes
/// is closed and parsed again ahead of its next Bind or Describe, frame by frame, no socket.
final class RepreparePipelineTests: XCTestCase {
    private static let router = ShippedMapping.router
    private static let god = "god_vocabulary_profiles"
    private static let basin = "basin_relationships"
    private static let read = "SELECT relevance_score FROM god_vocabulary_profiles WHERE word = $1 AND god_name = $2"
    private static let write = "UPDATE god_vocabulary_profiles SET relevance_score = $1 WHERE word = $2 AND god_name = $3"

    private func modes(_ mode: CutoverMode) -> SessionModes {
        SessionModes(tables: [Self.god: TableCutover(mode: mode), Self.basin: TableCutover(mode: mode)])
    }

    private func frames(_ decision: RewritePipeline.ClientDecision) -> [Frame] {
        guard case .replace(let bytes) = decision else { return [] }
        return Frame.all(in: bytes)
    }

    private func bind(_ statement: String, portal: String = "", _ values: [String]) -> Frame {
        .of(Bind(portalName: portal, statementName: statement, parameterFormats: [],
                 parameters: values.map { ByteBuffer(string: $0) }, resultFormats: []))
    }

    private func tag(_ text: String) -> Frame { .of(CommandComplete(tag: text)) }
    private func error(_ state: String) -> Frame { .of(ErrorResponse(fields: .error(sqlState: state, message: "server error"))) }

    /// Prepares both statements as a driver's cache would, in one batch.
    private func prepared(in mode: CutoverMode) -> RewritePipeline {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(mode), auditing: true)
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "r", query: Self.read, parameterTypes: [25, 25])))
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "w", query: Self.write, parameterTypes: [701, 25, 25])))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(ParseComplete()), .of(ParseComplete()), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        XCTAssertTrue(pipeline.expectations.isEmpty)
        return pipeline
    }

    /// Checks the frames sent for a Bind or Describe of `name` prepared again: Close, Parse of
    /// `name` with the client's parameter types, then the client's frame; returns the new text.
    private func reprepared(_ sent: [Frame], _ name: String, then client: FrontendMessageID, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        XCTAssertEqual(sent.map(\.frontendID), [.close, .parse, client], file: file, line: line)
        guard sent.count == 3 else { return "" }
        XCTAssertEqual(try Close(frame: sent[0]).target, .statement(name), file: file, line: line)
        let parse = try Parse(frame: sent[1])
        XCTAssertEqual(parse.statementName, name, file: file, line: line)
        XCTAssertEqual(parse.parameterTypes, name == "r" ? [25, 25] : [701, 25, 25], file: file, line: line)
        return parse.query
    }

    func testAStatementPreparedInDualWriteRunsRewrittenAfterTheModesChangeAndBackAgain() throws {
        var pipeline = prepared(in: .dualWrite)
        // Same modes: the cached statements are bound as they are.
        XCTAssertEqual(pipeline.clientFrameReceived(bind("r", ["zeus_word", "zeus"])), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        for frame in [Frame.of(BindComplete()), tag("SELECT 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        XCTAssertEqual(pipeline.takeCompletions().map(\.audit.mode), [.dualWrite])

        // The next transaction runs in rewrite mode: one pipelined batch binding both statements.
        pipeline.modes = modes(.rewrite)
        let readText = try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        XCTAssertTrue(readText.contains("coordizer_vocabulary"), readText)
        XCTAssertFalse(readText.contains("FROM god_vocabulary_profiles"), readText)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        let writeText = try reprepared(frames(pipeline.clientFrameReceived(bind("w", portal: "p", ["0.5", "a", "zeus"]))), "w", then: .bind)
        XCTAssertTrue(writeText.contains("coordizer_vocabulary"), writeText)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: "p"))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        XCTAssertEqual(pipeline.expectations.count, 9, "Close, Parse, Bind, Execute twice, and Sync")

        // The injected statements' answers never reach the client.
        XCTAssertEqual(pipeline.serverFrameReceived(.of(CloseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        _ = pipeline.serverFrameReceived(.of(DataRow(columns: [ByteBuffer(string: "0.25")])))
        _ = pipeline.serverFrameReceived(tag("SELECT 1"))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(CloseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        // The rewritten write answers with a count row the client never sees and the legacy tag.
        XCTAssertEqual(pipeline.serverFrameReceived(.of(DataRow(columns: [ByteBuffer(string: "1")]))), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .replace(FrameEncoder.frame(CommandComplete(tag: "UPDATE 1"))))
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
        var completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.map(\.audit.mode), [.rewrite, .rewrite])
        XCTAssertEqual(completions.map(\.audit.action), [.rewritten, .rewritten])
        XCTAssertEqual(completions.map(\.audit.rewrittenSQL), [readText, writeText])
        XCTAssertEqual(completions.map(\.audit.sql), [Self.read, Self.write], "the audit keeps the client's text")

        // Prepared again once: the next Bind under the same modes is the client's alone.
        XCTAssertEqual(pipeline.clientFrameReceived(bind("w", ["0.5", "a", "zeus"])), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        _ = pipeline.serverFrameReceived(.of(BindComplete()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(DataRow(columns: [ByteBuffer(string: "2")]))), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .replace(FrameEncoder.frame(CommandComplete(tag: "UPDATE 2"))))
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))
        XCTAssertEqual(pipeline.takeCompletions().map(\.audit.action), [.rewritten])

        // Back to dual-write: the client's own text again, answered by the legacy table.
        pipeline.modes = modes(.dualWrite)
        XCTAssertEqual(try reprepared(frames(pipeline.clientFrameReceived(bind("w", ["0.5", "a", "zeus"]))), "w", then: .bind), Self.write)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete())] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .drop)
        }
        for frame in [Frame.of(BindComplete()), tag("UPDATE 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.map(\.audit.action), [.dualWritten])
        XCTAssertEqual(completions.map(\.audit.rewrittenSQL), [nil])
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testAModeChangeThatKeepsTheTextOnlyChangesTheAuditAndShadowStillCompares() throws {
        var pipeline = prepared(in: .dualWrite)
        pipeline.modes = modes(.shadow)
        // The server keeps the client's text: nothing is injected.
        XCTAssertEqual(pipeline.clientFrameReceived(bind("r", ["a", "zeus"])), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        for frame in [Frame.of(BindComplete()), tag("SELECT 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .forward)
        }
        var completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.action, .shadowed)
        XCTAssertEqual(completion.shadow, ShadowInput(
            sql: Self.read, parameterTypes: [25, 25], parameterFormats: [0, 0], parameters: [ByteBuffer(string: "a"), ByteBuffer(string: "zeus")]))

        // From rewrite to shadow the client's own text is prepared again, and still compared.
        pipeline.modes = modes(.rewrite)
        _ = try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete()), .of(BindComplete()), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        pipeline.modes = modes(.shadow)
        XCTAssertEqual(try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["b", "zeus"]))), "r", then: .bind), Self.read)
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete()), .of(BindComplete()), tag("SELECT 0"), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        completion = try XCTUnwrap(pipeline.takeCompletions().first)
        XCTAssertEqual(completion.audit.mode, .shadow)
        XCTAssertEqual(completion.shadow?.sql, Self.read)
        XCTAssertEqual(completion.shadow?.parameters, [ByteBuffer(string: "b"), ByteBuffer(string: "zeus")])
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testAStatementPreparedBeforeABlockGetsTheBlockErrorAtBindAndRunsAgainAfterIt() throws {
        var pipeline = prepared(in: .dualWrite)
        pipeline.modes = modes(.block)
        let sent = frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"])))
        XCTAssertEqual(sent.map(\.frontendID), [.close, .parse, .bind, .execute], "the client's Bind gives way to the refusal")
        XCTAssertEqual(try Close(frame: sent[0]).target, .statement("r"), "the old text must not stay runnable")
        XCTAssertEqual(try Parse(frame: sent[1]).query, RewritePipeline.failingStatement)
        XCTAssertEqual(try Parse(frame: sent[1]).statementName, "")
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete()), .of(BindComplete())] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .drop)
        }
        guard case .replace(let answer) = pipeline.serverFrameReceived(error("0A000")) else { return XCTFail("expected the block error") }
        var bytes = answer
        var decoder = FrameDecoder(phase: .messages)
        let fields = try ErrorResponse(frame: try XCTUnwrap(try decoder.next(from: &bytes))).fields
        XCTAssertEqual(fields.sqlState, "42501")
        XCTAssertTrue(fields.message?.contains("god_vocabulary_profiles") ?? false)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty, "the client's Execute was skipped by the server and by the expectations")
        XCTAssertEqual(pipeline.takeCompletions().map(\.audit.action), [.blocked])

        // Still blocked: the error again, without a second Close.
        XCTAssertEqual(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))).map(\.frontendID), [.parse, .bind, .execute])
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(ParseComplete()), .of(BindComplete()), error("0A000"), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        XCTAssertTrue(pipeline.expectations.isEmpty)
        _ = pipeline.takeCompletions()

        // A Describe gets the error too, in place of its ParameterDescription and NoData.
        let described = frames(pipeline.clientFrameReceived(.of(Describe(target: .statement("w")))))
        XCTAssertEqual(described.map(\.frontendID), [.close, .parse, .bind, .execute])
        XCTAssertEqual(try Close(frame: described[0]).target, .statement("w"))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete()), .of(BindComplete())] {
            XCTAssertEqual(pipeline.serverFrameReceived(frame), .drop)
        }
        guard case .replace = pipeline.serverFrameReceived(error("0A000")) else { return XCTFail("expected the block error") }
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)

        // The block lifted: the statement the driver still holds runs again.
        pipeline.modes = modes(.rewrite)
        let text = try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        XCTAssertTrue(text.contains("coordizer_vocabulary"), text)
    }

    func testAFailedOrSkippedInjectionStandsInForTheClientsAnswerAndIsTriedAgain() throws {
        var pipeline = prepared(in: .dualWrite)
        pipeline.modes = modes(.rewrite)
        _ = try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(CloseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(error("42P01")), .forward, "the Parse's error answers the client's Bind")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
        _ = try reprepared(frames(pipeline.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(CloseComplete()), .of(ParseComplete()), .of(BindComplete()), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        XCTAssertTrue(pipeline.expectations.isEmpty)

        // An earlier error in the batch makes the server skip the injection too: tried again.
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Parse(statementName: "", query: "SELEC 1"))), .forward)
        _ = try reprepared(frames(pipeline.clientFrameReceived(.of(Describe(target: .statement("w"))))), "w", then: .describe)
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(error("42601")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
        let text = try reprepared(frames(pipeline.clientFrameReceived(.of(Describe(target: .statement("w"))))), "w", then: .describe)
        XCTAssertTrue(text.contains("coordizer_vocabulary"), text)
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(CloseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParameterDescription(parameterTypes: [701, 25, 25]))), .forward)
        // Described as the rewritten write it now is: its count row becomes the legacy NoData.
        let count = RowDescription(fields: [.init(
            name: "count", tableOID: 0, columnAttributeNumber: 0, dataTypeOID: 20, dataTypeSize: 8, typeModifier: -1, format: .text)])
        XCTAssertEqual(pipeline.serverFrameReceived(.of(count)), .replace(FrameEncoder.frame(NoData())))
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testTheUnnamedStatementAndClosedStatementsAreLeftAlone() throws {
        var pipeline = RewritePipeline(router: Self.router, modes: modes(.dualWrite), auditing: true)
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "", query: Self.read)))
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "gone", query: Self.read)))
        _ = pipeline.clientFrameReceived(.of(Close(target: .statement("gone"))))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(ParseComplete()), .of(ParseComplete()), .of(CloseComplete()), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        pipeline.modes = modes(.rewrite)
        XCTAssertEqual(pipeline.clientFrameReceived(bind("", ["a", "zeus"])), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(bind("gone", portal: "p", ["a", "zeus"])), .forward, "the server answers for a statement it does not have")
        _ = pipeline.clientFrameReceived(.of(Sync()))
        for frame in [Frame.of(BindComplete()), error("26000"), .readyForQuery(.idle)] {
            _ = pipeline.serverFrameReceived(frame)
        }
        XCTAssertTrue(pipeline.expectations.isEmpty)

        // After DEALLOCATE ALL (or DISCARD ALL) nothing is prepared again behind the client's back.
        for sql in ["DEALLOCATE ALL", "DISCARD ALL"] {
            var other = prepared(in: .dualWrite)
            XCTAssertEqual(other.clientFrameReceived(.of(Query(sql: sql))), .forward)
            _ = other.serverFrameReceived(tag(sql))
            _ = other.serverFrameReceived(.readyForQuery(.idle))
            other.modes = modes(.rewrite)
            XCTAssertEqual(other.clientFrameReceived(bind("r", ["a", "zeus"])), .forward, sql)
        }
    }

    // MARK: Session

    /// A store whose "file" the test rewrites.
    private final class Source: Sendable {
        let box: NIOLockedValueBox<ProxyConfiguration>
        init(_ configuration: ProxyConfiguration) { box = NIOLockedValueBox(configuration) }
        func set(_ configuration: ProxyConfiguration) { box.withLockedValue { $0 = configuration } }
        func makeStore() -> ConfigurationStore {
            ConfigurationStore(initial: box.withLockedValue { $0 }) { () throws(ConfigurationError) in self.box.withLockedValue { $0 } }
        }
    }

    private func configuration(_ mode: CutoverMode) -> ProxyConfiguration {
        var configuration = ProxyConfiguration()
        configuration.cutover = CutoverPolicy(defaultTable: TableCutover(mode: mode))
        return configuration
    }

    private func sent(_ action: SessionStateMachine.Action) -> [Frame] {
        guard case .replaceToServer(let bytes) = action else { return [] }
        return frames(.replace(bytes))
    }

    func testASessionWithoutAPipelineHandsItsStatementsOverWhenAReloadBringsOne() throws {
        let source = Source(configuration(.passthrough))
        let store = source.makeStore()
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable, router: Self.router, store: store)
        _ = machine.clientStartupPacketReceived(.of(StartupMessage(parameters: [("user", "app"), ("database", "words")])), bytesFollow: false)
        _ = machine.upstreamConnected()
        _ = machine.serverFrameReceived(.of(Authentication.ok))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        for message in [Frame.of(Parse(statementName: "r", query: Self.read, parameterTypes: [25, 25])),
                        .of(Parse(statementName: "other", query: "SELECT 1")), .of(Sync())] {
            XCTAssertEqual(machine.clientFrameReceived(message), .forward)
        }
        XCTAssertNil(machine.sessionModes, "pure relaying")
        for frame in [Frame.of(ParseComplete()), .of(ParseComplete()), .readyForQuery(.idle)] {
            XCTAssertEqual(machine.serverFrameReceived(frame), .forward)
        }

        source.set(configuration(.rewrite))
        store.reload()
        // A pipelined Bind/Execute/Sync batch of the next transaction.
        let text = try reprepared(sent(machine.clientFrameReceived(bind("r", ["a", "zeus"]))), "r", then: .bind)
        XCTAssertTrue(text.contains("coordizer_vocabulary"), text)
        XCTAssertEqual(machine.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(bind("other", ["x"])), .forward, "a statement on no legacy table has one handling")
        XCTAssertEqual(machine.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(machine.clientFrameReceived(.of(Sync())), .forward)
        XCTAssertEqual(machine.serverFrameReceived(.of(CloseComplete())), .drop)
        XCTAssertEqual(machine.serverFrameReceived(.of(ParseComplete())), .drop)
        for frame in [Frame.of(BindComplete()), tag("SELECT 1"), .of(BindComplete()), tag("SELECT 1"), .readyForQuery(.idle)] {
            XCTAssertEqual(machine.serverFrameReceived(frame), .forward)
        }
        guard case .relaying(let relaying) = machine.state else { return XCTFail("not relaying") }
        XCTAssertFalse(relaying.requestPending)

        // Back to dual-write at the next reload: the SET of pgcutover.sync, then the client's text again.
        source.set(configuration(.dualWrite))
        store.reload()
        let batch = sent(machine.clientFrameReceived(bind("r", ["a", "zeus"])))
        XCTAssertEqual(batch.map(\.frontendID), [.parse, .bind, .execute, .close, .sync, .close, .parse, .bind])
        XCTAssertEqual(try Parse(frame: batch[6]).query, Self.read)
        XCTAssertEqual(try Parse(frame: batch[6]).statementName, "r")
    }
}
