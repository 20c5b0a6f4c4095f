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
        /// Set when the statement touches a legacy table and auditing is on.
        var audit: StatementAudit?

        static let fromServer = ExecutePlan(rule: .fromServer, countIsBinary: false)
    }

    /// A prepared statement as the pipeline remembers it.
    struct Prepared: Equatable {
        var rule: CommandTagRule
        var audit: StatementAudit?
    }

    /// One simple-protocol statement: its tag rule and, when audited, what to record.
    struct QueryStatement: Equatable {
        var rule: CommandTagRule
        var audit: StatementAudit?
    }

    enum Expectation: Equatable {
        case query(statements: [QueryStatement], refusal: ErrorFields?, startedAt: NIODeadline)
        case functionCall
        case parse
        case bind
        case describe(noRows: Bool)
        case execute(ExecutePlan, startedAt: NIODeadline)
        case close
        case sync
        /// A refused Parse went to the server as Parse/Bind/Execute of a statement that fails, so
        /// the server aborts the transaction exactly as a failed Parse would.
        case refusedParse(ErrorFields)
    }

    let router: StatementRouter
    let mode: CutoverMode
    /// In passthrough mode the pipeline only watches (for the audit); in rewrite and block modes it
    /// changes what the server is sent.
    var rewriting: Bool { mode == .rewrite || mode == .block }
    /// The hint of block mode's error.
    let blockHint: String
    /// Records legacy statements as they complete (`takeCompletions`).
    let auditing: Bool
    /// The text of a statement is only ever rewritten as UTF-8; under another client_encoding a
    /// statement that needs rewriting is refused rather than re-encoded wrongly.
    var clientEncodingIsUTF8 = true
    private(set) var expectations = CircularBuffer<Expectation>()
    private var statementIndex = 0
    private var capturedCount: Int?
    private var statements: [String: Prepared] = [:]
    private var portals: [String: ExecutePlan] = [:]
    private var completions: [StatementCompletion] = []

    init(router: StatementRouter, mode: CutoverMode = .rewrite, auditing: Bool = false, blockHint: String = Self.defaultBlockHint) {
        self.router = router
        self.mode = mode
        self.auditing = auditing
        self.blockHint = blockHint
    }

    static let defaultBlockHint =
        "This table is retired: read and write the consolidated column named above instead."

    /// Block mode's answer to a statement on legacy tables: which tables, and where their rows are.
    private func blocked(_ sql: String) -> RewriteError {
        let mapping = router.rewriter.mapping
        let named = router.rewriter.legacyTablesMentioned(in: sql)
        let tables = mapping.tables.filter { named.contains($0.name) }
        let places = tables.map { "\($0.name) is now \(mapping.targetTable).\($0.container)" }
        return RewriteError(
            sqlState: "42501",
            message: "pgcutover blocks access to legacy table" + (tables.count == 1 ? " " : "s ")
                + tables.map(\.name).joined(separator: ", "),
            detail: places.joined(separator: "; ") + ".",
            hint: blockHint)
    }

    /// Legacy statements completed since the last call, for the audit.
    mutating func takeCompletions() -> [StatementCompletion] {
        guard !completions.isEmpty else { return [] }
        defer { completions = [] }
        return completions
    }

    var hasCompletions: Bool { !completions.isEmpty }

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
        if mode == .block { return .refused(blocked(sql)) }
        guard clientEncodingIsUTF8 || !rewriting else {
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
            let now = auditing ? NIODeadline.now() : .distantPast
            switch route(query.sql) {
            case .passThrough:
                expectations.append(.query(statements: [], refusal: nil, startedAt: now))
                return .forward
            case .rewritten(let sql, let rewritten):
                let statements = rewritten.map {
                    QueryStatement(rule: rewriting ? $0.commandTag : .fromServer, audit: audit(query.sql, rewriting ? sql : nil, $0))
                }
                expectations.append(.query(statements: statements, refusal: nil, startedAt: now))
                return rewriting ? .replace(FrameEncoder.frame(Query(sql: sql))) : .forward
            case .refused(let error):
                guard rewriting else {
                    expectations.append(.query(statements: [QueryStatement(rule: .fromServer, audit: refusedAudit(query.sql, action: .passed))], refusal: nil, startedAt: now))
                    return .forward
                }
                expectations.append(.query(statements: [QueryStatement(rule: .fromServer, audit: refusedAudit(query.sql, action: refusalAction))], refusal: Self.fields(error), startedAt: now))
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
                let first = rewritten.first
                statements[parse.statementName] = Prepared(
                    rule: rewriting ? first?.commandTag ?? .fromServer : .fromServer,
                    audit: first.flatMap { audit(parse.query, rewriting ? sql : nil, $0) })
                expectations.append(.parse)
                guard rewriting else { return .forward }
                return .replace(FrameEncoder.frame(
                    Parse(statementName: parse.statementName, query: sql, parameterTypes: parse.parameterTypes)))
            case .refused(let error):
                guard rewriting else {
                    statements[parse.statementName] = Prepared(rule: .fromServer, audit: refusedAudit(parse.query, action: .passed))
                    expectations.append(.parse)
                    return .forward
                }
                statements[parse.statementName] = nil
                if let audit = refusedAudit(parse.query, action: refusalAction) {
                    completions.append(StatementCompletion(audit: audit, startedAt: NIODeadline.now(), rows: nil, sqlState: error.sqlState))
                }
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
            let prepared = statements[bind.statementName]
            portals[bind.portalName] = ExecutePlan(
                rule: prepared?.rule ?? .fromServer, countIsBinary: bind.resultFormats.format(at: 0) == .binary,
                audit: prepared?.audit)
            expectations.append(.bind)
            return .forward
        case .describe?:
            let describe = try Describe(frame: frame)
            let rule: CommandTagRule
            switch describe.target {
            case .statement(let name): rule = statements[name]?.rule ?? .fromServer
            case .portal(let name): rule = portals[name]?.rule ?? .fromServer
            }
            expectations.append(.describe(noRows: rule.answersWithCountRow))
            return .forward
        case .execute?:
            let execute = try Execute(frame: frame)
            let plan = portals[execute.portalName] ?? .fromServer
            expectations.append(.execute(plan, startedAt: plan.audit == nil ? .distantPast : NIODeadline.now()))
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
        let decision = answer(frame)
        if rewriting, decision == .forward, frame.backendID == .errorResponse, let scrubbed = Self.scrubbed(frame) {
            return .replace(scrubbed)
        }
        return decision
    }

    /// A legacy constraint error raised by a rewritten write comes from `pgcutover_check`, a
    /// PL/pgSQL function, so the server adds a CONTEXT line naming it, which the legacy table's
    /// error never had: it goes.
    private static func scrubbed(_ frame: Frame) -> ByteBuffer? {
        guard var error = try? ErrorResponse(frame: frame),
              let context = error.fields[.whereContext], context.contains("pgcutover_check(")
        else { return nil }
        error.fields.fields.removeAll { $0.code == .whereContext }
        return FrameEncoder.frame(error)
    }

    private mutating func answer(_ frame: Frame) -> ServerDecision {
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
        case .query(let statements, let refusal, let startedAt):
            let statement = statementIndex < statements.count ? statements[statementIndex] : nil
            let rule = statement?.rule ?? .fromServer
            switch id {
            case .rowDescription:
                return rule.answersWithCountRow ? .drop : .forward
            case .dataRow where rule.answersWithCountRow:
                capturedCount = Self.count(in: frame, binary: false)
                return .drop
            case .commandComplete:
                statementIndex += 1
                return commandCompleted(frame, rule, audit: statement?.audit, startedAt: startedAt)
            case .emptyQueryResponse:
                statementIndex += 1
                return .forward
            case .errorResponse:
                record(statement?.audit, startedAt: startedAt, rows: nil, sqlState: Self.sqlState(in: frame, refusal: refusal))
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
        case .execute(let plan, let startedAt):
            switch id {
            case .dataRow where plan.rule.answersWithCountRow:
                capturedCount = Self.count(in: frame, binary: plan.countIsBinary)
                return .drop
            case .dataRow, .copyInResponse, .copyOutResponse, .copyBothResponse, .copyData, .copyDone:
                return .forward
            case .commandComplete:
                expectations.removeFirst()
                return commandCompleted(frame, plan.rule, audit: plan.audit, startedAt: startedAt)
            case .errorResponse:
                record(plan.audit, startedAt: startedAt, rows: nil, sqlState: Self.sqlState(in: frame, refusal: nil))
                return unexpected(id)
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

    private func audit(_ sql: String, _ rewrittenSQL: String?, _ statement: RewrittenStatement) -> StatementAudit? {
        guard auditing, !statement.legacyTables.isEmpty else { return nil }
        return StatementAudit(
            sql: sql, rewrittenSQL: rewrittenSQL, tables: statement.legacyTables, kind: statement.kind,
            action: rewriting ? .rewritten : .passed)
    }

    private var refusalAction: AuditRecord.Action { mode == .block ? .blocked : .refused }

    private func refusedAudit(_ sql: String, action: AuditRecord.Action) -> StatementAudit? {
        guard auditing else { return nil }
        return StatementAudit(
            sql: sql, rewrittenSQL: nil, tables: router.rewriter.legacyTablesMentioned(in: sql), kind: nil, action: action)
    }

    /// A statement's CommandComplete: the legacy tag in place of the server's where the rule says
    /// so, and the audit's completion with the row count the client is told.
    private mutating func commandCompleted(
        _ frame: Frame, _ rule: CommandTagRule, audit: StatementAudit?, startedAt: NIODeadline
    ) -> ServerDecision {
        let serverTag = { (try? CommandComplete(frame: frame))?.tag }
        let legacyTag: String?
        switch rule {
        case .fromServer:
            legacyTag = nil
        case .countFromResult(let verb):
            legacyTag = verb.tag(count: capturedCount ?? 0)
            capturedCount = nil
        case .renameSelect(let verb):
            legacyTag = verb.tag(count: serverTag().flatMap(Self.rowCount(in:)) ?? 0)
        case .fixed(let tag):
            legacyTag = tag
        }
        if audit != nil {
            record(audit, startedAt: startedAt, rows: (legacyTag ?? serverTag()).flatMap(Self.rowCount(in:)), sqlState: nil)
        }
        return legacyTag.map { .replace(FrameEncoder.frame(CommandComplete(tag: $0))) } ?? .forward
    }

    private mutating func record(_ audit: StatementAudit?, startedAt: NIODeadline, rows: Int?, sqlState: String?) {
        guard let audit else { return }
        completions.append(StatementCompletion(audit: audit, startedAt: startedAt, rows: rows, sqlState: sqlState))
    }

    /// The count at the end of a command tag (`INSERT 0 3`, `SELECT 12`); nil for tags without one.
    private static func rowCount(in tag: String) -> Int? {
        tag.split(separator: " ").last.flatMap { Int($0) }
    }

    private static func sqlState(in frame: Frame, refusal: ErrorFields?) -> String? {
        refusal?.sqlState ?? (try? ErrorResponse(frame: frame))?.fields.sqlState
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
