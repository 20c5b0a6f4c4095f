import Foundation
import NIOCore
@testable import Proxy
import Rewriter
import WireProtocol
import XCTest

/// The rewrite-mode bookkeeping, driven frame by frame with the shipped mapping and no socket.
final class RewritePipelineTests: XCTestCase {
    private static let router = ShippedMapping.router

    private func pipeline() -> RewritePipeline { RewritePipeline(router: Self.router) }

    private func rowDescription(_ name: String, type: UInt32 = 20) -> Frame {
        .of(RowDescription(fields: [.init(name: name, tableOID: 0, columnAttributeNumber: 0, dataTypeOID: type, dataTypeSize: 8, typeModifier: -1, format: .text)]))
    }

    private func dataRow(_ values: [String]) -> Frame {
        .of(DataRow(columns: values.map { ByteBuffer(string: $0) }))
    }

    private func tag(_ text: String) -> Frame { .of(CommandComplete(tag: text)) }

    private func replacedTag(_ decision: RewritePipeline.ServerDecision) -> String? {
        guard case .replace(let bytes) = decision else { return nil }
        return Frame.all(in: bytes).first.flatMap { try? CommandComplete(frame: $0).tag }
    }

    private func replacedQuery(_ decision: RewritePipeline.ClientDecision) -> String? {
        guard case .replace(let bytes) = decision else { return nil }
        return Frame.all(in: bytes).first.flatMap { try? Query(frame: $0).sql }
    }

    func testStatementsOnOtherTablesPassUntouched() {
        var pipeline = pipeline()
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT * FROM coordizer_vocabulary"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("token", type: 25)), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["a"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testALegacyReadIsRewrittenAndItsAnswerRelayed() throws {
        var pipeline = pipeline()
        let decision = pipeline.clientFrameReceived(.of(Query(sql: "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = 'zeus'")))
        let sql = try XCTUnwrap(replacedQuery(decision))
        XCTAssertTrue(sql.contains("coordizer_vocabulary"), sql)
        XCTAssertTrue(sql.contains("god_profile ? "), "the god_name predicate becomes the GIN-indexed form: \(sql)")
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("word", type: 25)), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["thunder", "0.9"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
    }

    func testAWriteAnswersWithTheLegacyTagAndNoCountRow() throws {
        var pipeline = pipeline()
        let decision = pipeline.clientFrameReceived(.of(Query(sql: "SELECT 1; DELETE FROM basin_relationships WHERE word = 'a'")))
        XCTAssertNotNil(replacedQuery(decision))
        // The first statement is the client's own.
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("?column?", type: 23)), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["1"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .forward)
        // The rewritten DELETE answers with one count row, which becomes the legacy tag.
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("count")), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["7"])), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "DELETE 7")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    /// DataRows are handled by the request at the head of the queue, worked out once per head:
    /// a count row and a result's rows in one Query text, then pipelined Executes of a read and a
    /// write before one Sync, each get their own request's handling.
    func testRowsFollowTheRequestTheyAnswer() {
        var pipeline = pipeline()
        _ = pipeline.clientFrameReceived(.of(Query(sql: "DELETE FROM basin_relationships WHERE word = 'a'; SELECT neighbor FROM basin_relationships WHERE word = 'b'")))
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("count")), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["3"])), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "DELETE 3")
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("neighbor", type: 25)), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["x"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["y"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 2")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)

        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "", query: "SELECT neighbor FROM basin_relationships WHERE word = $1")))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "", parameters: [ByteBuffer(string: "b")])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "del", query: "DELETE FROM basin_relationships WHERE word = $1")))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "del", parameters: [ByteBuffer(string: "a")])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["x"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["5"])), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "DELETE 5")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testReturningKeepsTheRowsAndRenamesTheTag() {
        var pipeline = pipeline()
        _ = pipeline.clientFrameReceived(.of(Query(sql: "DELETE FROM god_vocabulary_profiles WHERE word = 'a' RETURNING id")))
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("id", type: 23)), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["4"])), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["5"])), .forward)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 2"))), "DELETE 2")
    }

    func testExtendedProtocolWriteWithBinaryResultsAndDescribe() throws {
        var pipeline = pipeline()
        let parse = Parse(statementName: "ins", query: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ($1, $2, $3)")
        guard case .replace = pipeline.clientFrameReceived(.of(parse)) else { return XCTFail("Parse not rewritten") }
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "ins", parameterFormats: [], parameters: [ByteBuffer(string: "zeus"), ByteBuffer(string: "bolt"), ByteBuffer(string: "0.5")], resultFormats: [.binary]))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Describe(target: .portal("")))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Execute(portalName: ""))), .forward)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)

        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        // The legacy INSERT has no result columns.
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("count")), .replace(FrameEncoder.frame(NoData())))
        var binaryCount = ByteBuffer()
        binaryCount.writeInteger(Int64(1))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(DataRow(columns: [binaryCount]))), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "INSERT 0 1")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)

        // Reused: a second Bind/Execute of the named statement gets the same treatment.
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "p", statementName: "ins", parameterFormats: [], parameters: [], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "p")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["1"])), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "INSERT 0 1")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
    }

    func testAnErrorSkipsTheRestOfThePipelineUpToSync() {
        var pipeline = pipeline()
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "", query: "DELETE FROM basin_relationships WHERE word = $1")))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [nil], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "22P02", message: "bad input")))), .forward)
        XCTAssertEqual(pipeline.expectations.count, 1, "only the Sync is still owed an answer")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testARefusedParseFailsOnTheServerAndShowsTheProxysError() throws {
        var pipeline = pipeline()
        let decision = pipeline.clientFrameReceived(.of(Parse(statementName: "s", query: "SELECT ctid FROM basin_relationships")))
        guard case .replace(var bytes) = decision else { return XCTFail("expected a replacement") }
        var decoder = FrameDecoder(phase: .messages)
        XCTAssertEqual(try decoder.next(from: &bytes)?.frontendID, .parse)
        XCTAssertEqual(try decoder.next(from: &bytes)?.frontendID, .bind)
        XCTAssertEqual(try decoder.next(from: &bytes)?.frontendID, .execute)
        _ = pipeline.clientFrameReceived(.of(Describe(target: .statement("s"))))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .drop)
        guard case .replace(var error) = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "statement refused by pgcutover")))) else {
            return XCTFail("the server's error must be replaced by the rewriter's")
        }
        let fields = try ErrorResponse(frame: XCTUnwrap(try decoder.next(from: &error))).fields
        XCTAssertEqual(fields.sqlState, "0A000")
        XCTAssertTrue(fields.message?.contains("ctid") ?? false, fields.message ?? "")
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
    }

    func testARefusedQueryFailsOnTheServer() throws {
        var pipeline = pipeline()
        XCTAssertEqual(replacedQuery(pipeline.clientFrameReceived(.of(Query(sql: "ALTER TABLE basin_relationships ADD COLUMN x int")))), RewritePipeline.failingStatement)
        guard case .replace = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x")))) else {
            return XCTFail("expected the rewriter's error")
        }
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.failedTransaction)), .forward)
    }

    func testAsynchronousMessagesDoNotDisturbTheAlignment() {
        var pipeline = pipeline()
        _ = pipeline.clientFrameReceived(.of(Query(sql: "DELETE FROM basin_relationships")))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(NoticeResponse(fields: .error(sqlState: "01000", message: "hi", severity: "NOTICE")))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParameterStatus(name: "TimeZone", value: "UTC"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(rowDescription("count")), .drop)
        XCTAssertEqual(pipeline.serverFrameReceived(dataRow(["3"])), .drop)
        XCTAssertEqual(replacedTag(pipeline.serverFrameReceived(tag("SELECT 1"))), "DELETE 3")
    }

    func testNoRewriteUnderAnotherClientEncoding() throws {
        var pipeline = pipeline()
        pipeline.clientEncodingIsUTF8 = false
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT 1"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertEqual(replacedQuery(pipeline.clientFrameReceived(.of(Query(sql: "SELECT * FROM basin_relationships")))), RewritePipeline.failingStatement)
        guard case .replace(var bytes) = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x")))) else {
            return XCTFail("expected the proxy's own error")
        }
        var decoder = FrameDecoder(phase: .messages)
        let fields = try ErrorResponse(frame: XCTUnwrap(try decoder.next(from: &bytes))).fields
        XCTAssertTrue(fields.message?.contains("client_encoding UTF8") ?? false)
    }

    func testTheSessionFollowsClientEncoding() throws {
        var machine = SessionStateMachine(clientTLSAvailable: false, upstreamSSLMode: .disable, router: Self.router)
        _ = machine.clientStartupPacketReceived(.of(StartupMessage(parameters: [("user", "u")])), bytesFollow: false)
        _ = machine.upstreamConnected()
        _ = machine.serverFrameReceived(.of(Authentication.ok))
        _ = machine.serverFrameReceived(.of(ParameterStatus(name: "client_encoding", value: "LATIN1")))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        XCTAssertEqual(machine.clientFrameReceived(.of(Query(sql: "SELECT 1"))), .forward)
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        guard case .replaceToServer = machine.clientFrameReceived(.of(Query(sql: "SELECT * FROM basin_relationships"))) else {
            return XCTFail("expected a refusal")
        }
        _ = machine.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x"))))
        _ = machine.serverFrameReceived(.readyForQuery(.idle))
        _ = machine.serverFrameReceived(.of(ParameterStatus(name: "client_encoding", value: "UTF8")))
        guard case .replaceToServer(var bytes) = machine.clientFrameReceived(.of(Query(sql: "SELECT * FROM basin_relationships"))) else {
            return XCTFail("expected a rewrite")
        }
        var decoder = FrameDecoder(phase: .messages)
        XCTAssertTrue(try Query(frame: XCTUnwrap(try decoder.next(from: &bytes))).sql.contains("coordizer_vocabulary"))
    }

    func testPassthroughAuditingWatchesWithoutChangingAByte() {
        var pipeline = RewritePipeline(router: Self.router, mode: .passthrough, auditing: true)
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT 1; DELETE FROM basin_relationships WHERE word = 'a'"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 1")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("DELETE 4")), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        let completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.count, 1, "only the statement on a legacy table is audited")
        XCTAssertEqual(completions.first?.audit.tables, ["basin_relationships"])
        XCTAssertEqual(completions.first?.audit.action, .passed)
        XCTAssertEqual(completions.first?.audit.kind, .delete)
        XCTAssertEqual(completions.first?.rows, 4)
        XCTAssertNil(completions.first?.audit.rewrittenSQL)
        XCTAssertTrue(pipeline.takeCompletions().isEmpty)
        // A construct the rewriter would refuse still passes, and is still audited.
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT ctid FROM god_vocabulary_profiles"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(tag("SELECT 9")), .forward)
        XCTAssertEqual(pipeline.takeCompletions().first?.audit.tables, ["god_vocabulary_profiles"])
    }

    func testRewriteAuditingRecordsTheLegacyRowCountAndErrors() {
        var pipeline = RewritePipeline(router: Self.router, mode: .rewrite, auditing: true)
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "", query: "DELETE FROM basin_relationships WHERE word = $1")))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [ByteBuffer(string: "a")], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        _ = pipeline.serverFrameReceived(.of(ParseComplete()))
        _ = pipeline.serverFrameReceived(.of(BindComplete()))
        _ = pipeline.serverFrameReceived(dataRow(["6"]))
        _ = pipeline.serverFrameReceived(tag("SELECT 1"))
        var completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.first?.rows, 6, "rows are legacy rows, from the legacy tag")
        XCTAssertEqual(completions.first?.audit.action, .rewritten)
        XCTAssertNotNil(completions.first?.audit.rewrittenSQL)
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        _ = pipeline.clientFrameReceived(.of(Query(sql: "UPDATE god_vocabulary_profiles SET relevance_score = NULL")))
        _ = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "23502", message: "null value"))))
        completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.first?.sqlState, "23502")
        XCTAssertNil(completions.first?.rows)
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        _ = pipeline.clientFrameReceived(.of(Query(sql: "TRUNCATE god_vocabulary_profiles")))
        _ = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x"))))
        completions = pipeline.takeCompletions()
        XCTAssertEqual(completions.first?.audit.action, .refused)
        XCTAssertEqual(completions.first?.sqlState, "0A000")
        XCTAssertEqual(completions.first?.audit.tables, ["god_vocabulary_profiles"])
    }

    func testTheCheckFunctionsContextLineIsNotShown() throws {
        var pipeline = pipeline()
        _ = pipeline.clientFrameReceived(.of(Query(sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('zeus', 'w001', 1)")))
        let raised = ErrorResponse(fields: ErrorFields([
            (.localizedSeverity, "ERROR"), (.severity, "ERROR"), (.sqlState, "23505"),
            (.message, "duplicate key value violates unique constraint \"god_vocabulary_profiles_god_name_word_key\""),
            (.whereContext, "PL/pgSQL function pgcutover_check(boolean,text,text) line 4 at RAISE"),
        ]))
        guard case .replace(var bytes) = pipeline.serverFrameReceived(.of(raised)) else { return XCTFail("expected the error to be scrubbed") }
        var decoder = FrameDecoder(phase: .messages)
        let fields = try ErrorResponse(frame: XCTUnwrap(try decoder.next(from: &bytes))).fields
        XCTAssertNil(fields[.whereContext])
        XCTAssertEqual(fields.sqlState, "23505")
        XCTAssertEqual(fields.message, raised.fields.message)
        // Other errors, and other CONTEXT lines, travel unchanged.
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))
        _ = pipeline.clientFrameReceived(.of(Query(sql: "SELECT f()")))
        let own = ErrorResponse(fields: ErrorFields([(.sqlState, "P0001"), (.message, "x"), (.whereContext, "PL/pgSQL function f() line 1 at RAISE")]))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(own)), .forward)
    }

    private func relayedFields(_ decision: RewritePipeline.ServerDecision) throws -> ErrorFields? {
        guard case .replace(var bytes) = decision else { return nil }
        var decoder = FrameDecoder(phase: .messages)
        return try ErrorResponse(frame: XCTUnwrap(try decoder.next(from: &bytes))).fields
    }

    /// The character position (from 1) of `piece` in `text`.
    private func position(of piece: String, in text: String) throws -> Int {
        let range = try XCTUnwrap(text.range(of: piece))
        return text.unicodeScalars[..<range.lowerBound].count + 1
    }

    private func positioned(_ position: Int) -> Frame {
        .of(ErrorResponse(fields: ErrorFields([
            (.localizedSeverity, "ERROR"), (.severity, "ERROR"), (.sqlState, "22P02"),
            (.message, "invalid input syntax for type integer: \"many\""), (.position, String(position)),
        ])))
    }

    func testAnErrorPositionCountsInTheClientsText() throws {
        let sql = "SELECT word FROM god_vocabulary_profiles WHERE usage_count = 'many' /* Ζεύς */"
        var pipeline = pipeline()
        let rewritten = try XCTUnwrap(replacedQuery(pipeline.clientFrameReceived(.of(Query(sql: sql)))))
        let fields = try XCTUnwrap(relayedFields(pipeline.serverFrameReceived(positioned(position(of: "'many'", in: rewritten)))))
        XCTAssertEqual(fields[.position], String(try position(of: "'many'", in: sql)))
        XCTAssertEqual(fields.sqlState, "22P02")
        XCTAssertEqual(fields.fields.map(\.code), [.localizedSeverity, .severity, .sqlState, .message, .position])
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        // A position the rewrite cannot have produced is dropped, as for an error without one.
        _ = pipeline.clientFrameReceived(.of(Query(sql: sql)))
        let dropped = try XCTUnwrap(relayedFields(pipeline.serverFrameReceived(positioned(rewritten.unicodeScalars.count + 5))))
        XCTAssertNil(dropped[.position])
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))
        // Statements the proxy did not rewrite keep the server's position.
        _ = pipeline.clientFrameReceived(.of(Query(sql: "SELECT 'many'::integer")))
        XCTAssertEqual(pipeline.serverFrameReceived(positioned(8)), .forward)
    }

    func testAnErrorPositionOfAPreparedStatementCountsInItsText() throws {
        let sql = "UPDATE basin_relationships SET strength = $1 WHERE word = 'w001' AND cooccurrence_count > 'x'"
        var pipeline = pipeline()
        guard case .replace(var bytes) = pipeline.clientFrameReceived(.of(Parse(statementName: "u", query: sql))) else {
            return XCTFail("expected the Parse to be rewritten")
        }
        var decoder = FrameDecoder(phase: .messages)
        let rewritten = try Parse(frame: XCTUnwrap(try decoder.next(from: &bytes))).query
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Sync())), .forward)
        let fields = try XCTUnwrap(relayedFields(pipeline.serverFrameReceived(positioned(position(of: "'x'", in: rewritten)))))
        XCTAssertEqual(fields[.position], String(try position(of: "'x'", in: sql)))
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)
        XCTAssertTrue(pipeline.expectations.isEmpty)
        // Bound and executed later (a plan revalidated after DDL is analysed again).
        _ = pipeline.clientFrameReceived(.of(Parse(statementName: "u", query: sql)))
        _ = pipeline.clientFrameReceived(.of(Bind(portalName: "", statementName: "u", parameterFormats: [], parameters: [ByteBuffer(string: "0.5")], resultFormats: [])))
        _ = pipeline.clientFrameReceived(.of(Execute(portalName: "")))
        _ = pipeline.clientFrameReceived(.of(Sync()))
        XCTAssertEqual(pipeline.serverFrameReceived(.of(ParseComplete())), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.of(BindComplete())), .forward)
        let executed = try XCTUnwrap(relayedFields(pipeline.serverFrameReceived(positioned(position(of: "'x'", in: rewritten)))))
        XCTAssertEqual(executed[.position], String(try position(of: "'x'", in: sql)))
    }

    func testBlockModeRefusesLegacyStatementsAndNamesTheirReplacement() throws {
        var pipeline = RewritePipeline(router: Self.router, mode: .block, auditing: true, blockHint: "Ask the data team.")
        XCTAssertEqual(pipeline.clientFrameReceived(.of(Query(sql: "SELECT * FROM coordizer_vocabulary"))), .forward)
        XCTAssertEqual(pipeline.serverFrameReceived(.readyForQuery(.idle)), .forward)

        XCTAssertEqual(replacedQuery(pipeline.clientFrameReceived(.of(Query(sql: "SELECT word FROM god_vocabulary_profiles")))), RewritePipeline.failingStatement)
        guard case .replace(var bytes) = pipeline.serverFrameReceived(.of(ErrorResponse(fields: .error(sqlState: "0A000", message: "x")))) else {
            return XCTFail("expected the block error")
        }
        var decoder = FrameDecoder(phase: .messages)
        let fields = try ErrorResponse(frame: XCTUnwrap(try decoder.next(from: &bytes))).fields
        XCTAssertEqual(fields.sqlState, "42501")
        XCTAssertEqual(fields.message, "pgcutover blocks access to legacy table god_vocabulary_profiles")
        XCTAssertEqual(fields[.detail], "god_vocabulary_profiles is now coordizer_vocabulary.god_profile.")
        XCTAssertEqual(fields[.hint], "Ask the data team.")
        XCTAssertEqual(pipeline.takeCompletions().first?.audit.action, .blocked)
        _ = pipeline.serverFrameReceived(.readyForQuery(.idle))

        // Even a statement the rewriter could not translate is blocked, not refused.
        guard case .replace = pipeline.clientFrameReceived(.of(Parse(statementName: "", query: "SELECT ctid FROM basin_relationships"))) else {
            return XCTFail("expected the Parse to be replaced")
        }
        XCTAssertEqual(pipeline.takeCompletions().first?.audit.action, .blocked)
        XCTAssertEqual(pipeline.takeCompletions().count, 0)
    }

    func testTheCacheServesRepeatedStatements() {
        let router = StatementRouter(rewriter: Self.router.rewriter, cacheCapacity: 2)
        _ = router.route("SELECT * FROM basin_relationships")
        _ = router.route("SELECT * FROM basin_relationships")
        _ = router.route("SELECT 1")
        XCTAssertEqual(router.cachedCount, 1, "texts without a legacy name are not cached")
        _ = router.route("SELECT * FROM god_vocabulary_profiles")
        _ = router.route("SELECT word FROM god_vocabulary_profiles")
        XCTAssertEqual(router.cachedCount, 2)
    }
}
