import NIOCore
import Rewriter
import WireProtocol

/// Rewrite mode's bookkeeping of one session, as a sub-machine of `SessionStateMachine`: it
/// rewrites Query and Parse, remembers which prepared statements and portals were rewritten, and
/// lines the server's answers up with the client's requests so that each rewritten statement's
/// answer looks like the legacy statement's (the legacy command tag, no count row, NoData where
/// the legacy write had no result columns).
///
/// The alignment follows the protocol: every Parse, Bind, Describe, Execute, Close and Sync gets an
/// expectation, popped by the server message that completes it; a simple Query or FunctionCall is
/// completed by ReadyForQuery; after an error in the extended protocol the server skips to Sync,
/// and so do the expectations.
struct RewritePipeline {
    enum ClientDecision: Equatable {
        case forward
        /// Send these bytes to the server instead of the client's frame.
        case replace(ByteBuffer)
        case protocolViolation(ProtocolViolation)
    }

    enum ServerDecision: Equatable {
        case forward
        case drop
        /// Send these bytes to the client instead of the server's frame.
        case replace(ByteBuffer)
    }

    struct ExecutePlan: Equatable {
        var rule: CommandTagRule
        /// The count row of a write comes back in the format the client asked for in Bind.
        var countIsBinary: Bool

        static let fromServer = ExecutePlan(rule: .fromServer, countIsBinary: false)
    }

    enum Expectation: Equatable {
        case query(rules: [CommandTagRule], refusal: ErrorFields?)
        case functionCall
        case parse
        case bind
        case describe(noRows: Bool)
        case execute(ExecutePlan)
        case close
        case sync
        /// A refused Parse went to the server as Parse/Bind/Execute of a statement that fails, so
        /// the server aborts the transaction exactly as a failed Parse would.
        case refusedParse(ErrorFields)
    }

    let router: StatementRouter
    /// The text of a statement is only ever rewritten as UTF-8; under another client_encoding a
    /// statement that needs rewriting is refused rather than re-encoded wrongly.
    var clientEncodingIsUTF8 = true
    private(set) var expectations = CircularBuffer<Expectation>()
    private var statementIndex = 0
    private var capturedCount: Int?
    private var statements: [String: CommandTagRule] = [:]
    private var portals: [String: ExecutePlan] = [:]

    init(router: StatementRouter) {
        self.router = router
    }

    // MARK: Client side

    mutating func clientFrameReceived(_ frame: Frame) -> ClientDecision {
        do {
            return try decide(frame)
        } catch {
            return .protocolViolation(error)
        }
    }

    private func route(_ sql: String) -> RewriteOutcome {
        let outcome = router.route(sql)
        if case .passThrough = outcome { return outcome }
        guard clientEncodingIsUTF8 else {
            return .refused(RewriteError(
                sqlState: "0A000", message: "pgcutover rewrites statements on legacy tables only with client_encoding UTF8",
                hint: "SET client_encoding = 'UTF8' in this session."))
        }
        return outcome
    }

    private mutating func decide(_ frame: Frame) throws(ProtocolViolation) -> ClientDecision {
        switch frame.frontendID {
        case .query?:
            let query = try Query(frame: frame)
            switch route(query.sql) {
            case .passThrough:
                expectations.append(.query(rules: [], refusal: nil))
                return .forward
            case .rewritten(let sql, let rewritten):
                expectations.append(.query(rules: rewritten.map(\.commandTag), refusal: nil))
                return .replace(FrameEncoder.frame(Query(sql: sql)))
            case .refused(let error):
                expectations.append(.query(rules: [], refusal: Self.fields(error)))
                return .replace(FrameEncoder.frame(Query(sql: Self.failingStatement)))
            }
        case .parse?:
            let parse = try Parse(frame: frame)
            switch route(parse.query) {
            case .passThrough:
                statements[parse.statementName] = nil
                expectations.append(.parse)
                return .forward
            case .rewritten(let sql, let rewritten):
                statements[parse.statementName] = rewritten.first?.commandTag ?? .fromServer
                expectations.append(.parse)
                return .replace(FrameEncoder.frame(
                    Parse(statementName: parse.statementName, query: sql, parameterTypes: parse.parameterTypes)))
            case .refused(let error):
                statements[parse.statementName] = nil
                expectations.append(.refusedParse(Self.fields(error)))
                var bytes = ByteBuffer()
                Parse(statementName: "", query: Self.failingStatement).encodeFrame(into: &bytes)
                Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [], resultFormats: [])
                    .encodeFrame(into: &bytes)
                Execute(portalName: "").encodeFrame(into: &bytes)
                return .replace(bytes)
            }
        case .bind?:
            let bind = try Bind(frame: frame)
            let rule = statements[bind.statementName] ?? .fromServer
            portals[bind.portalName] = ExecutePlan(rule: rule, countIsBinary: bind.resultFormats.format(at: 0) == .binary)
            expectations.append(.bind)
            return .forward
        case .describe?:
            let describe = try Describe(frame: frame)
            let rule: CommandTagRule
            switch describe.target {
            case .statement(let name): rule = statements[name] ?? .fromServer
            case .portal(let name): rule = portals[name]?.rule ?? .fromServer
            }
            expectations.append(.describe(noRows: rule.answersWithCountRow))
            return .forward
        case .execute?:
            let execute = try Execute(frame: frame)
            expectations.append(.execute(portals[execute.portalName] ?? .fromServer))
            return .forward
        case .close?:
            let close = try Close(frame: frame)
            switch close.target {
            case .statement(let name): statements[name] = nil
            case .portal(let name): portals[name] = nil
            }
            expectations.append(.close)
            return .forward
        case .sync?:
            expectations.append(.sync)
            return .forward
        case .functionCall?:
            expectations.append(.functionCall)
            return .forward
        default:
            // Flush, CopyData/CopyDone/CopyFail, Terminate and anything newer: no answer of their own.
            return .forward
        }
    }

    // MARK: Server side

    mutating func serverFrameReceived(_ frame: Frame) -> ServerDecision {
        guard let id = frame.backendID else { return .forward }
        switch id {
        case .noticeResponse, .parameterStatus, .notificationResponse, .negotiateProtocolVersion:
            // Asynchronous: they answer no request.
            return .forward
        default:
            break
        }
        guard let head = expectations.first else { return .forward }
        switch head {
        case .query(let rules, let refusal):
            let rule = statementIndex < rules.count ? rules[statementIndex] : .fromServer
            switch id {
            case .rowDescription:
                return rule.answersWithCountRow ? .drop : .forward
            case .dataRow where rule.answersWithCountRow:
                capturedCount = Self.count(in: frame, binary: false)
                return .drop
            case .commandComplete:
                statementIndex += 1
                return retag(frame, rule)
            case .emptyQueryResponse:
                statementIndex += 1
                return .forward
            case .errorResponse:
                if let refusal {
                    return .replace(FrameEncoder.frame(ErrorResponse(fields: refusal)))
                }
                return .forward
            case .readyForQuery:
                expectations.removeFirst()
                statementIndex = 0
                return .forward
            default:
                return .forward
            }
        case .functionCall:
            if id == .readyForQuery { expectations.removeFirst() }
            return .forward
        case .sync:
            if id == .readyForQuery { expectations.removeFirst() }
            return .forward
        case .parse:
            return complete(id, by: .parseComplete)
        case .bind:
            return complete(id, by: .bindComplete)
        case .close:
            return complete(id, by: .closeComplete)
        case .describe(let noRows):
            switch id {
            case .rowDescription:
                expectations.removeFirst()
                return noRows ? .replace(FrameEncoder.frame(NoData())) : .forward
            case .noData:
                expectations.removeFirst()
                return .forward
            case .parameterDescription:
                return .forward
            default:
                return unexpected(id)
            }
        case .execute(let plan):
            switch id {
            case .dataRow where plan.rule.answersWithCountRow:
                capturedCount = Self.count(in: frame, binary: plan.countIsBinary)
                return .drop
            case .dataRow, .copyInResponse, .copyOutResponse, .copyBothResponse, .copyData, .copyDone:
                return .forward
            case .commandComplete:
                expectations.removeFirst()
                return retag(frame, plan.rule)
            case .emptyQueryResponse, .portalSuspended:
                expectations.removeFirst()
                return .forward
            default:
                return unexpected(id)
            }
        case .refusedParse(let fields):
            switch id {
            case .parseComplete, .bindComplete:
                return .drop
            case .errorResponse:
                skipToSync()
                return .replace(FrameEncoder.frame(ErrorResponse(fields: fields)))
            default:
                return unexpected(id)
            }
        }
    }

    private mutating func complete(_ id: BackendMessageID, by completion: BackendMessageID) -> ServerDecision {
        if id == completion {
            expectations.removeFirst()
            return .forward
        }
        return unexpected(id)
    }

    /// An error ends the request it answers and, in the extended protocol, everything up to Sync;
    /// any other surprise realigns on the next ReadyForQuery.
    private mutating func unexpected(_ id: BackendMessageID) -> ServerDecision {
        switch id {
        case .errorResponse:
            skipToSync()
        case .readyForQuery:
            skipToSync()
            if case .sync? = expectations.first { expectations.removeFirst() }
        default:
            break
        }
        return .forward
    }

    private mutating func skipToSync() {
        while let head = expectations.first {
            switch head {
            case .sync, .query, .functionCall:
                return
            default:
                expectations.removeFirst()
            }
        }
    }

    private mutating func retag(_ frame: Frame, _ rule: CommandTagRule) -> ServerDecision {
        switch rule {
        case .fromServer:
            return .forward
        case .countFromResult(let verb):
            defer { capturedCount = nil }
            return .replace(FrameEncoder.frame(CommandComplete(tag: verb.tag(count: capturedCount ?? 0))))
        case .renameSelect(let verb):
            let count = (try? CommandComplete(frame: frame)).flatMap { Int($0.tag.split(separator: " ").last ?? "") } ?? 0
            return .replace(FrameEncoder.frame(CommandComplete(tag: verb.tag(count: count))))
        case .fixed(let tag):
            return .replace(FrameEncoder.frame(CommandComplete(tag: tag)))
        }
    }

    private static func count(in frame: Frame, binary: Bool) -> Int? {
        guard let row = try? DataRow(frame: frame), let column = row.columns.first, let value = column else { return nil }
        if binary {
            return value.getInteger(at: value.readerIndex, as: Int64.self).map(Int.init)
        }
        return Int(String(buffer: value))
    }

    private static func fields(_ error: RewriteError) -> ErrorFields {
        .error(sqlState: error.sqlState, message: error.message, detail: error.detail, hint: error.hint)
    }

    /// Fails on the server with the refusal's SQLSTATE class, so the server's transaction state
    /// becomes what it would be had the server refused the statement itself; the proxy then puts
    /// its own error fields in place of the server's.
    static let failingStatement =
        "DO $pgcutover$BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', MESSAGE = 'statement refused by pgcutover'; END$pgcutover$"
}

extension CommandTagRule {
    var answersWithCountRow: Bool {
        if case .countFromResult = self { return true }
        return false
    }
}
