import NIOCore
import Rewriter
import WireProtocol

/// The cutover bookkeeping of one session, as a sub-machine of `SessionStateMachine`: it decides
/// each statement's mode from the tables it names (`SessionModes.statementMode`), rewrites Query
/// and Parse in rewrite mode, remembers which prepared statements and portals were rewritten, and
/// lines the server's answers up with the client's requests so that each rewritten statement's
/// answer looks like the legacy statement's (the legacy command tag, no count row, NoData where
/// the legacy write had no result columns). In passthrough, dual-write and shadow modes it only
/// watches: the statement reaches the server unchanged and the `pgcutover_sync` triggers do the
/// second write, steered by `pgcutover.sync`, which the pipeline sets at transaction starts.
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
        /// Drop: the frame answers the proxy's own `SET pgcutover.sync`, so the session's state
        /// (transaction status, pending request) must not change either.
        case swallow
        /// Send these bytes to the client instead of the server's frame.
        case replace(ByteBuffer)
    }

    struct ExecutePlan: Equatable {
        var rule: CommandTagRule
        /// The count row of a write comes back in the format the client asked for in Bind.
        var countIsBinary: Bool
        /// Set when the statement touches a legacy table and auditing is on.
        var audit: StatementAudit?
        /// A shadow-mode read with its parameters as bound.
        var shadow: ShadowInput? = nil
        /// A rewritten statement: where the server's error positions are given back.
        var text: RewrittenText? = nil

        static let fromServer = ExecutePlan(rule: .fromServer, countIsBinary: false)
    }

    /// A prepared statement as the pipeline remembers it.
    struct Prepared: Equatable {
        var rule: CommandTagRule
        var audit: StatementAudit?
        /// A shadow-mode read: its text and parameter types; Bind adds the values.
        var shadow: ShadowInput? = nil
        /// The client's own text and parameter types, to prepare the statement again when the
        /// session's modes change under it. The types are those of the server's ParameterDescription
        /// once the client described the statement: drivers bind binary values of those types.
        var sql = ""
        var parameterTypes: [UInt32] = []
        /// The text the server holds under the statement's name; nil when that is not known to be
        /// what the current modes want (a refusal closed it, or an injected Close or Parse failed
        /// or was skipped), so the next Bind or Describe prepares it again.
        var serverSQL: String?
        /// `RewritePipeline.modesVersion` when it was planned.
        var modesVersion = 0
        /// Set when the server prepares a rewrite: the texts its error positions count in and the
        /// client reads them in.
        var text: RewrittenText?
    }

    /// One simple-protocol statement: its tag rule and, when audited, what to record.
    struct QueryStatement: Equatable {
        var rule: CommandTagRule
        var audit: StatementAudit?
        var shadow: ShadowInput? = nil
    }

    enum Expectation: Equatable {
        /// `text`: set when the query was rewritten, for the positions of the server's errors.
        case query(statements: [QueryStatement], refusal: ErrorFields?, startedAt: NIODeadline, text: RewrittenText? = nil)
        case functionCall
        case parse(RewrittenText?)
        case bind(RewrittenText?)
        /// `statement`: the named statement described, whose parameter types the pipeline learns.
        case describe(noRows: Bool, statement: String? = nil)
        case execute(ExecutePlan, startedAt: NIODeadline)
        case close
        case sync
        /// A refused Parse went to the server as Parse/Bind/Execute of a statement that fails, so
        /// the server aborts the transaction exactly as a failed Parse would.
        case refusedParse(ErrorFields)
        /// The proxy's own `SET pgcutover.sync`: every answer up to its ReadyForQuery is swallowed.
        case injectedSync
        /// The Close and Parse the proxy puts ahead of a Bind or Describe of a named statement
        /// prepared under other modes (`reprepared`): their completions are dropped, an error
        /// stands in for the client's request.
        case injectedClose(statement: String)
        case injectedParse(statement: String)
    }

    /// What a Parse of a text becomes under the current modes.
    private enum Preparation {
        /// It names no legacy table: the server gets it as it is, whatever the modes.
        case untouched
        /// The server prepares `serverSQL` of the entry.
        case prepared(Prepared)
        case refused(RewriteError, StatementAudit?)
    }

    /// How one client text runs, decided from the modes of the legacy tables it names.
    private enum Plan {
        /// It names no legacy table.
        case untouched
        /// Passthrough, dual-write or shadow: the server gets the text unchanged.
        case watch(CutoverMode, RewriteOutcome, tables: [String])
        case rewrite(sql: String, statements: [RewrittenStatement])
        case refuse(RewriteError, tables: [String], action: AuditRecord.Action, mode: CutoverMode)
    }

    let router: StatementRouter
    /// The state of every legacy table for this session; `SessionStateMachine` replaces it only at
    /// a transaction start, so a transaction keeps the modes it began with.
    var modes: SessionModes {
        didSet {
            scrubsErrors = modes.tables.values.contains { $0.mode == .rewrite } || modes.fallback.mode == .rewrite
            if modes != oldValue {
                modesVersion += 1
                wantedSyncSetting = modes.syncSetting
            }
        }
    }
    /// `modes.syncSetting`, asked for at every transaction start: kept rather than built (sorted,
    /// joined) again for each statement of an autocommit client.
    private(set) var wantedSyncSetting: String
    /// Counts the changes of everything a statement's handling depends on (modes, block hint,
    /// client encoding): a named statement planned under an older count is planned again at its
    /// next Bind or Describe, and prepared again on the server when its handling changed.
    private(set) var modesVersion = 0
    /// Errors of rewritten writes lose their `pgcutover_check` CONTEXT line; no other mode
    /// produces one, so the check is skipped unless some table is rewritten.
    private var scrubsErrors = false
    /// The hint of block mode's error.
    var blockHint: String {
        didSet { if blockHint != oldValue { modesVersion += 1 } }
    }
    /// The value of `pgcutover.sync` this session last set on the server; "" before any.
    private(set) var syncSetting = ""
    /// Records legacy statements as they complete (`takeCompletions`).
    let auditing: Bool
    /// The text of a statement is only ever rewritten as UTF-8; under another client_encoding a
    /// statement that needs rewriting is refused rather than re-encoded wrongly.
    var clientEncodingIsUTF8 = true {
        didSet { if clientEncodingIsUTF8 != oldValue { modesVersion += 1 } }
    }
    private(set) var expectations = CircularBuffer<Expectation>() {
        didSet { dataRows = nil }
    }
    /// The statement of a simple Query's text whose answers the server is sending.
    private var statementIndex = 0 {
        didSet { dataRows = nil }
    }
    /// How DataRows are handled under the present head of `expectations` and `statementIndex`;
    /// nil once either changed, until the next DataRow works it out again.
    private var dataRows: DataRowHandling?
    private var capturedCount: Int?
    /// `audit.all_statements`: statements that name no legacy table are recorded too (action
    /// `passed`, no tables); one record per simple Query message, one per Execute.
    var auditsEveryStatement = false
    /// With `auditsEveryStatement`, the text of each named statement that names no legacy table.
    private var plainStatements: [String: String] = [:]
    /// DataRows of the audited Execute in progress, for the record of one that ends suspended.
    private var suspendedRows = 0
    private var statements: [String: Prepared] = [:]
    private var portals: [String: ExecutePlan] = [:]
    private var completions: [StatementCompletion] = []

    init(router: StatementRouter, modes: SessionModes, auditing: Bool = false, blockHint: String = Self.defaultBlockHint) {
        self.router = router
        self.modes = modes
        self.auditing = auditing
        self.blockHint = blockHint
        self.wantedSyncSetting = modes.syncSetting
        scrubsErrors = modes.tables.values.contains { $0.mode == .rewrite } || modes.fallback.mode == .rewrite
    }

    /// Every legacy table of the mapping in `mode`.
    init(router: StatementRouter, mode: CutoverMode = .rewrite, auditing: Bool = false, blockHint: String = Self.defaultBlockHint) {
        self.init(
            router: router, modes: .uniform(mode, tables: router.rewriter.mapping.tables.map(\.name)),
            auditing: auditing, blockHint: blockHint)
    }

    /// A setting value no session ever asks for: after a failed or undone SET the next
    /// transaction sets the value again.
    private static let unknownSyncSetting = "\u{0}"
    static let syncStatementName = "pgcutover_sync"

    /// Sets `pgcutover.sync` on the server: the bytes to send ahead of the client's frame. Called
    /// only at a transaction start (no expectation pending), so the SET runs in its own implicit
    /// transaction and no client request waits behind it; its answers are swallowed. The extended
    /// form uses a named statement and portal, never the unnamed ones the client may be using.
    mutating func syncInjection(_ value: String, extended: Bool) -> ByteBuffer {
        syncSetting = value
        let sql = "SET pgcutover.sync = '" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        var bytes = ByteBuffer()
        if extended {
            let name = Self.syncStatementName
            Parse(statementName: name, query: sql).encodeFrame(into: &bytes)
            Bind(portalName: name, statementName: name, parameterFormats: [], parameters: [], resultFormats: [])
                .encodeFrame(into: &bytes)
            Execute(portalName: name).encodeFrame(into: &bytes)
            Close(target: .statement(name)).encodeFrame(into: &bytes)
            Sync().encodeFrame(into: &bytes)
        } else {
            Query(sql: sql).encodeFrame(into: &bytes)
        }
        expectations.append(.injectedSync)
        return bytes
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

    /// Texts that name no legacy table leave on the precheck inside `route`, before any parse.
    private func plan(_ sql: String) -> Plan {
        let outcome = router.route(sql)
        var tables: [String] = []
        switch outcome {
        case .passThrough:
            return .untouched
        case .rewritten(_, let statements):
            for name in statements.flatMap(\.legacyTables) where !tables.contains(name) { tables.append(name) }
        case .refused:
            tables = router.rewriter.legacyTablesMentioned(in: sql)
        }
        let state: TableCutover
        if tables.isEmpty {
            state = modes.fallback
        } else if let decided = modes.statementMode(for: tables) {
            state = decided
        } else {
            return .refuse(mixedModes(tables), tables: tables, action: .refused, mode: modes[tables[0]].mode)
        }
        switch state.mode {
        case .block:
            return .refuse(blocked(sql), tables: tables, action: .blocked, mode: .block)
        case .rewrite:
            guard clientEncodingIsUTF8 else {
                return .refuse(RewriteError(
                    sqlState: "0A000", message: "pgcutover rewrites statements on legacy tables only with client_encoding UTF8",
                    hint: "SET client_encoding = 'UTF8' in this session."), tables: tables, action: .refused, mode: .rewrite)
            }
            switch outcome {
            case .rewritten(let text, let statements): return .rewrite(sql: text, statements: statements)
            case .refused(let error): return .refuse(error, tables: tables, action: .refused, mode: .rewrite)
            case .passThrough: return .untouched
            }
        case .passthrough, .dualWrite, .shadow:
            return .watch(state.mode, outcome, tables: tables)
        }
    }

    /// One statement over tables read from different sides has no consistent answer.
    private func mixedModes(_ tables: [String]) -> RewriteError {
        RewriteError(
            sqlState: "0A000",
            message: "pgcutover cannot run one statement over legacy tables in these cutover modes: "
                + tables.map { "\($0) (\(modes[$0]))" }.joined(separator: ", "),
            detail: "Some of these tables are read from the legacy table and others from the consolidated column.",
            hint: "Split the statement by table, or give these tables modes that read from the same side.")
    }

    private mutating func decide(_ frame: Frame) throws(ProtocolViolation) -> ClientDecision {
        switch frame.frontendID {
        case .query?:
            let query = try Query(frame: frame)
            let now = auditing ? NIODeadline.now() : .distantPast
            switch plan(query.sql) {
            case .untouched:
                let statements = auditsEveryStatement ? [QueryStatement(rule: .fromServer, audit: plainAudit(query.sql))] : []
                expectations.append(.query(statements: statements, refusal: nil, startedAt: now))
                return .forward
            case .watch(let mode, let outcome, let tables):
                let statements: [QueryStatement]
                if case .rewritten(_, let analysed) = outcome {
                    // Only a text of one statement can be run again on the side as it is.
                    let shadowed = auditing && mode == .shadow && analysed.count == 1 && analysed[0].kind == .select
                    statements = analysed.map {
                        QueryStatement(
                            rule: .fromServer, audit: audit(query.sql, nil, tables: $0.legacyTables, kind: $0.kind, mode: mode, shadowed: shadowed),
                            shadow: shadowed ? ShadowInput(sql: query.sql) : nil)
                    }
                } else {
                    statements = [QueryStatement(rule: .fromServer, audit: audit(query.sql, nil, tables: tables, kind: nil, mode: mode))]
                }
                expectations.append(.query(statements: statements, refusal: nil, startedAt: now))
                return .forward
            case .rewrite(let sql, let rewritten):
                let statements = rewritten.map {
                    QueryStatement(rule: $0.commandTag, audit: audit(query.sql, sql, tables: $0.legacyTables, kind: $0.kind, mode: .rewrite))
                }
                expectations.append(.query(
                    statements: statements, refusal: nil, startedAt: now, text: RewrittenText(original: query.sql, rewritten: sql)))
                return .replace(FrameEncoder.frame(Query(sql: sql)))
            case .refuse(let error, let tables, let action, let mode):
                let statement = QueryStatement(rule: .fromServer, audit: refusedAudit(query.sql, tables: tables, action: action, mode: mode))
                expectations.append(.query(statements: [statement], refusal: Self.fields(error), startedAt: now))
                return .replace(FrameEncoder.frame(Query(sql: Self.failingStatement)))
            }
        case .parse?:
            let parse = try Parse(frame: frame)
            plainStatements[parse.statementName] = nil
            switch preparation(parse.query, parameterTypes: parse.parameterTypes) {
            case .untouched:
                statements[parse.statementName] = nil
                if auditsEveryStatement { plainStatements[parse.statementName] = parse.query }
                expectations.append(.parse(nil))
                return .forward
            case .prepared(let prepared):
                statements[parse.statementName] = prepared
                expectations.append(.parse(prepared.text))
                guard let sql = prepared.serverSQL, sql != parse.query else { return .forward }
                return .replace(FrameEncoder.frame(
                    Parse(statementName: parse.statementName, query: sql, parameterTypes: parse.parameterTypes)))
            case .refused(let error, let audit):
                statements[parse.statementName] = nil
                return .replace(refusal(error, audit: audit))
            }
        case .bind?:
            let bind = try Bind(frame: frame)
            var ahead: ByteBuffer?
            switch reprepared(bind.statementName) {
            case .unchanged: break
            case .inject(let bytes): ahead = bytes
            case .refused(let bytes):
                portals[bind.portalName] = nil
                return .replace(bytes)
            }
            let prepared = statements[bind.statementName]
            var shadow = prepared?.shadow
            if shadow != nil {
                shadow!.parameterFormats = bind.parameters.indices.map { bind.parameterFormats.format(at: $0)?.rawValue ?? 0 }
                shadow!.parameters = bind.parameters
            }
            portals[bind.portalName] = ExecutePlan(
                rule: prepared?.rule ?? .fromServer, countIsBinary: bind.resultFormats.format(at: 0) == .binary,
                audit: prepared?.audit ?? plainStatements[bind.statementName].map(plainAudit), shadow: shadow,
                text: prepared?.text)
            expectations.append(.bind(prepared?.text))
            return Self.forward(frame, behind: ahead)
        case .describe?:
            let describe = try Describe(frame: frame)
            var ahead: ByteBuffer?
            if case .statement(let name) = describe.target {
                switch reprepared(name) {
                case .unchanged: break
                case .inject(let bytes): ahead = bytes
                case .refused(let bytes): return .replace(bytes)
                }
            }
            let rule: CommandTagRule
            var described: String?
            switch describe.target {
            case .statement(let name):
                rule = statements[name]?.rule ?? .fromServer
                if !name.isEmpty, statements[name] != nil { described = name }
            case .portal(let name): rule = portals[name]?.rule ?? .fromServer
            }
            expectations.append(.describe(noRows: rule.answersWithCountRow, statement: described))
            return Self.forward(frame, behind: ahead)
        case .execute?:
            let execute = try Execute(frame: frame)
            let plan = portals[execute.portalName] ?? .fromServer
            expectations.append(.execute(plan, startedAt: plan.audit == nil ? .distantPast : NIODeadline.now()))
            return .forward
        case .close?:
            let close = try Close(frame: frame)
            switch close.target {
            case .statement(let name):
                statements[name] = nil
                plainStatements[name] = nil
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

    /// A statement on no legacy table, recorded only under `audit.all_statements`.
    private func plainAudit(_ sql: String) -> StatementAudit {
        StatementAudit(sql: sql, rewrittenSQL: nil, tables: [], kind: nil, action: .passed, mode: .passthrough)
    }

    /// The handling of a Parse of `sql` under the current modes; what the statement's entry
    /// remembers when it is prepared.
    private func preparation(_ sql: String, parameterTypes: [UInt32]) -> Preparation {
        var prepared: Prepared
        switch plan(sql) {
        case .untouched:
            return .untouched
        case .watch(let mode, let outcome, let tables):
            if case .rewritten(_, let analysed) = outcome, let first = analysed.first {
                let shadowed = auditing && mode == .shadow && analysed.count == 1 && first.kind == .select
                prepared = Prepared(
                    rule: .fromServer,
                    audit: audit(sql, nil, tables: first.legacyTables, kind: first.kind, mode: mode, shadowed: shadowed),
                    shadow: shadowed ? ShadowInput(sql: sql, parameterTypes: parameterTypes) : nil)
            } else {
                prepared = Prepared(rule: .fromServer, audit: audit(sql, nil, tables: tables, kind: nil, mode: mode))
            }
            prepared.serverSQL = sql
        case .rewrite(let rewritten, let analysed):
            let first = analysed.first
            prepared = Prepared(
                rule: first?.commandTag ?? .fromServer,
                audit: first.flatMap { audit(sql, rewritten, tables: $0.legacyTables, kind: $0.kind, mode: .rewrite) })
            prepared.serverSQL = rewritten
            prepared.text = RewrittenText(original: sql, rewritten: rewritten)
        case .refuse(let error, let tables, let action, let mode):
            return .refused(error, refusedAudit(sql, tables: tables, action: action, mode: mode))
        }
        prepared.sql = sql
        prepared.parameterTypes = parameterTypes
        prepared.modesVersion = modesVersion
        return .prepared(prepared)
    }

    /// A refused statement goes to the server as Parse/Bind/Execute of an unnamed statement that
    /// fails, so the server aborts the transaction and skips to Sync exactly as for a failed Parse;
    /// its error becomes the refusal's.
    private mutating func refusal(_ error: RewriteError, audit: StatementAudit?) -> ByteBuffer {
        if let audit {
            completions.append(StatementCompletion(audit: audit, startedAt: NIODeadline.now(), rows: nil, sqlState: error.sqlState))
        }
        expectations.append(.refusedParse(Self.fields(error)))
        var bytes = ByteBuffer()
        Parse(statementName: "", query: Self.failingStatement).encodeFrame(into: &bytes)
        Bind(portalName: "", statementName: "", parameterFormats: [], parameters: [], resultFormats: [])
            .encodeFrame(into: &bytes)
        Execute(portalName: "").encodeFrame(into: &bytes)
        return bytes
    }

    private enum Repreparation {
        case unchanged
        /// Send these bytes (Close and Parse of the statement) ahead of the client's frame.
        case inject(ByteBuffer)
        /// Send these bytes instead of the client's frame: the statement is refused now.
        case refused(ByteBuffer)
    }

    /// Drivers with statement caches Parse a named statement once and Bind it for the life of the
    /// connection, so a statement prepared under older modes would keep its old handling for ever.
    /// When the modes changed since it was planned, it is planned again from the client's text;
    /// if the server should now hold another text, the proxy closes and parses the statement again
    /// ahead of the client's request, and the answers to those are dropped. The unnamed statement
    /// is left alone: clients parse it again for each use.
    private mutating func reprepared(_ name: String) -> Repreparation {
        guard !name.isEmpty, let old = statements[name], old.modesVersion != modesVersion || old.serverSQL == nil else {
            return .unchanged
        }
        var bytes = ByteBuffer()
        switch preparation(old.sql, parameterTypes: old.parameterTypes) {
        case .untouched:
            // Cannot happen for a text that named a legacy table; the server keeps what it has.
            statements[name] = nil
            return .unchanged
        case .prepared(let new):
            statements[name] = new
            guard let sql = new.serverSQL, sql != old.serverSQL else { return .unchanged }
            Close(target: .statement(name)).encodeFrame(into: &bytes)
            Parse(statementName: name, query: sql, parameterTypes: new.parameterTypes).encodeFrame(into: &bytes)
            expectations.append(.injectedClose(statement: name))
            expectations.append(.injectedParse(statement: name))
            return .inject(bytes)
        case .refused(let error, let audit):
            var closed = old
            closed.serverSQL = nil
            closed.modesVersion = modesVersion
            statements[name] = closed
            if old.serverSQL != nil {
                // The old text must not stay runnable behind the refusal.
                Close(target: .statement(name)).encodeFrame(into: &bytes)
                expectations.append(.injectedClose(statement: name))
            }
            var failing = refusal(error, audit: audit)
            bytes.writeBuffer(&failing)
            return .refused(bytes)
        }
    }

    /// Takes over the statements a session prepared before it had a pipeline: the server holds
    /// the client's own texts, and each is planned at its next Bind or Describe.
    mutating func adopt(_ log: PreparedStatementLog) {
        for (name, parse) in log.statements {
            statements[name] = Prepared(
                rule: .fromServer, audit: nil, sql: parse.query, parameterTypes: parse.parameterTypes,
                serverSQL: parse.query, modesVersion: modesVersion - 1)
        }
    }

    private static func forward(_ frame: Frame, behind ahead: ByteBuffer?) -> ClientDecision {
        guard var bytes = ahead else { return .forward }
        bytes.writeImmutableBuffer(frame.bytes)
        return .replace(bytes)
    }

    /// An injected Close or Parse that failed or was skipped left the server with an unknown
    /// version of the statement: the next Bind or Describe prepares it again.
    private mutating func injectionFailed(_ expectation: Expectation) {
        switch expectation {
        case .injectedClose(let name), .injectedParse(let name):
            statements[name]?.serverSQL = nil
        default:
            break
        }
    }

    // MARK: Server side

    mutating func serverFrameReceived(_ frame: Frame) -> ServerDecision {
        let isError = frame.backendID == .errorResponse
        // Taken before `answer` pops the request the error answers.
        let text = isError ? expectations.first.flatMap(rewrittenText(answeredBy:)) : nil
        let decision = answer(frame)
        if isError, scrubsErrors, decision == .forward, let scrubbed = scrubbed(frame, text: text) {
            return .replace(scrubbed)
        }
        return decision
    }

    /// The rewritten statement whose text an error answering `expectation` counts its position in.
    private func rewrittenText(answeredBy expectation: Expectation) -> RewrittenText? {
        switch expectation {
        case .query(_, _, _, let text), .parse(let text), .bind(let text):
            return text
        case .execute(let plan, _):
            return plan.text
        case .describe(_, let statement?), .injectedParse(let statement):
            // The statement's entry already holds the text the injected Parse prepares.
            return statements[statement]?.text
        case .describe, .functionCall, .close, .sync, .refusedParse, .injectedSync, .injectedClose:
            return nil
        }
    }

    /// An error of a rewritten statement as the legacy statement would have had it:
    /// - a legacy constraint error raised by a rewritten write comes from `pgcutover_check`, a
    ///   PL/pgSQL function, so the server adds a CONTEXT line naming it, which the legacy table's
    ///   error never had: it goes;
    /// - its position (`P`) counts in the rewritten text: it becomes the position in the client's
    ///   text that the failing piece came from (`Rewriter.originalErrorPosition`), or goes when
    ///   that is unknown, as for errors the server reports without one.
    private func scrubbed(_ frame: Frame, text: RewrittenText?) -> ByteBuffer? {
        guard var error = try? ErrorResponse(frame: frame) else { return nil }
        var changed = false
        if let context = error.fields[.whereContext], context.contains("pgcutover_check(") {
            error.fields.fields.removeAll { $0.code == .whereContext }
            changed = true
        }
        if let text, let index = error.fields.fields.firstIndex(where: { $0.code == .position }) {
            let original = Int(error.fields.fields[index].value).flatMap {
                router.rewriter.originalErrorPosition($0, in: text.original, rewrittenAs: text.rewritten)
            }
            if let original {
                error.fields.fields[index].value = String(original)
            } else {
                error.fields.fields.remove(at: index)
            }
            changed = true
        }
        return changed ? FrameEncoder.frame(error) : nil
    }

    private mutating func answer(_ frame: Frame) -> ServerDecision {
        guard let id = frame.backendID else { return .forward }
        switch id {
        case .noticeResponse, .parameterStatus, .notificationResponse, .negotiateProtocolVersion:
            // Asynchronous: they answer no request.
            return .forward
        case .dataRow:
            return dataRowReceived(frame)
        default:
            break
        }
        guard let head = expectations.first else { return .forward }
        if id == .commandComplete, !statements.isEmpty, Self.deallocatesAll(frame) {
            // The server forgot every prepared statement: none is to be prepared again behind
            // the client's back.
            statements = [:]
        }
        if id == .commandComplete, !syncSetting.isEmpty, Self.resetsSettings(frame) {
            // RESET ALL or DISCARD ALL in the client's own statements undid the proxy's SET.
            syncSetting = Self.unknownSyncSetting
        }
        switch head {
        case .injectedSync:
            switch id {
            case .readyForQuery:
                expectations.removeFirst()
            case .errorResponse:
                syncSetting = Self.unknownSyncSetting
            default:
                break
            }
            return .swallow
        case .query(let statements, let refusal, let startedAt, _):
            let statement = statementIndex < statements.count ? statements[statementIndex] : nil
            let rule = statement?.rule ?? .fromServer
            switch id {
            case .rowDescription:
                return rule.answersWithCountRow ? .drop : .forward
            case .commandComplete:
                statementIndex += 1
                return commandCompleted(frame, rule, audit: statement?.audit, startedAt: startedAt, shadow: statement?.shadow)
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
        case .describe(let noRows, let statement):
            switch id {
            case .rowDescription:
                expectations.removeFirst()
                return noRows ? .replace(FrameEncoder.frame(NoData())) : .forward
            case .noData:
                expectations.removeFirst()
                return .forward
            case .parameterDescription:
                if let statement, let described = try? ParameterDescription(frame: frame) {
                    // The types the client now binds with: a text prepared again must take the same.
                    statements[statement]?.parameterTypes = described.parameterTypes
                }
                return .forward
            default:
                return unexpected(id)
            }
        case .execute(let plan, let startedAt):
            switch id {
            case .copyInResponse, .copyOutResponse, .copyBothResponse, .copyData, .copyDone:
                return .forward
            case .commandComplete:
                expectations.removeFirst()
                suspendedRows = 0
                return commandCompleted(frame, plan.rule, audit: plan.audit, startedAt: startedAt, shadow: plan.shadow)
            case .errorResponse:
                suspendedRows = 0
                record(plan.audit, startedAt: startedAt, rows: nil, sqlState: Self.sqlState(in: frame, refusal: nil))
                return unexpected(id)
            case .portalSuspended:
                // A row limit reached (asyncpg's fetchrow, JDBC's fetch size): this Execute is over,
                // with the rows it returned; a later Execute of the portal is recorded on its own.
                expectations.removeFirst()
                record(plan.audit, startedAt: startedAt, rows: suspendedRows, sqlState: nil)
                suspendedRows = 0
                return .forward
            case .emptyQueryResponse:
                expectations.removeFirst()
                return .forward
            default:
                return unexpected(id)
            }
        case .injectedClose, .injectedParse:
            switch id {
            case .closeComplete, .parseComplete:
                expectations.removeFirst()
                return .drop
            default:
                // The error stands in for the answer to the client's Bind or Describe.
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

    private mutating func dataRowReceived(_ frame: Frame) -> ServerDecision {
        let handling = dataRows ?? dataRowHandlingAtHead()
        dataRows = handling
        switch handling {
        case .forward:
            return .forward
        case .forwardCounted:
            suspendedRows += 1
            return .forward
        case .captureCount(let binary):
            capturedCount = Self.count(in: frame, binary: binary)
            return .drop
        case .swallow:
            return .swallow
        }
    }

    /// A row where none is owed (before a Parse's or Bind's completion, say) is relayed as it
    /// came and leaves the expectations as they are, as any other surprise but an error does.
    private func dataRowHandlingAtHead() -> DataRowHandling {
        switch expectations.first {
        case .injectedSync?:
            return .swallow
        case .query(let statements, _, _, _)?:
            guard statementIndex < statements.count, statements[statementIndex].rule.answersWithCountRow else { return .forward }
            return .captureCount(binary: false)
        case .execute(let plan, _)?:
            if plan.rule.answersWithCountRow { return .captureCount(binary: plan.countIsBinary) }
            return plan.audit == nil ? .forward : .forwardCounted
        case .functionCall?, .parse?, .bind?, .describe?, .close?, .sync?, .refusedParse?, .injectedClose?, .injectedParse?, nil:
            return .forward
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
            case .sync, .query, .functionCall, .injectedSync:
                return
            default:
                injectionFailed(head)
                expectations.removeFirst()
            }
        }
    }

    private func audit(
        _ sql: String, _ rewrittenSQL: String?, tables: [String], kind: StatementKind?, mode: CutoverMode, shadowed: Bool = false
    ) -> StatementAudit? {
        guard auditing, !tables.isEmpty else { return nil }
        let action: AuditRecord.Action
        switch mode {
        case .passthrough: action = .passed
        case .rewrite: action = .rewritten
        case .block: action = .blocked
        case .dualWrite, .shadow:
            if kind.map(Self.writes) ?? false {
                action = .dualWritten
            } else {
                action = shadowed ? .shadowed : .passed
            }
        }
        return StatementAudit(sql: sql, rewrittenSQL: rewrittenSQL, tables: tables, kind: kind, action: action, mode: mode)
    }

    /// Statements whose changes the forward triggers carry to the consolidated column. COPY counts
    /// as a write: COPY TO of a legacy table changes nothing, and its audit errs on the safe side.
    private static func writes(_ kind: StatementKind) -> Bool {
        switch kind {
        case .insert, .update, .delete, .copy, .ddl: true
        case .select, .other: false
        }
    }

    private func refusedAudit(_ sql: String, tables: [String], action: AuditRecord.Action, mode: CutoverMode) -> StatementAudit? {
        guard auditing else { return nil }
        return StatementAudit(sql: sql, rewrittenSQL: nil, tables: tables, kind: nil, action: action, mode: mode)
    }

    /// `RESET` (of one setting or all) and `DISCARD ALL` may reset `pgcutover.sync`.
    /// `DEALLOCATE ALL` and `DISCARD ALL` drop every prepared statement.
    private static func deallocatesAll(_ frame: Frame) -> Bool {
        let payload = frame.payload
        guard payload.getInteger(at: payload.readerIndex, as: UInt8.self) == UInt8(ascii: "D"),
              let tag = try? CommandComplete(frame: frame).tag
        else { return false }
        return tag == "DEALLOCATE ALL" || tag == "DISCARD ALL"
    }

    private static func resetsSettings(_ frame: Frame) -> Bool {
        let payload = frame.payload
        guard let first = payload.getInteger(at: payload.readerIndex, as: UInt8.self),
              first == UInt8(ascii: "R") || first == UInt8(ascii: "D")
        else { return false }
        guard let tag = try? CommandComplete(frame: frame).tag else { return false }
        return tag == "RESET" || tag == "DISCARD ALL"
    }

    /// A statement's CommandComplete: the legacy tag in place of the server's where the rule says
    /// so, and the audit's completion with the row count the client is told.
    private mutating func commandCompleted(
        _ frame: Frame, _ rule: CommandTagRule, audit: StatementAudit?, startedAt: NIODeadline, shadow: ShadowInput?
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
            record(audit, startedAt: startedAt, rows: (legacyTag ?? serverTag()).flatMap(Self.rowCount(in:)), sqlState: nil, shadow: shadow)
        }
        return legacyTag.map { .replace(FrameEncoder.frame(CommandComplete(tag: $0))) } ?? .forward
    }

    private mutating func record(_ audit: StatementAudit?, startedAt: NIODeadline, rows: Int?, sqlState: String?, shadow: ShadowInput? = nil) {
        guard let audit else { return }
        completions.append(StatementCompletion(audit: audit, startedAt: startedAt, rows: rows, sqlState: sqlState, shadow: shadow))
    }

    /// The count at the end of a command tag (`INSERT 0 3`, `SELECT 12`); nil for tags without one.
    /// The tag's last word, found from the end in its bytes: once per statement, without splitting
    /// the tag into words.
    private static func rowCount(in tag: String) -> Int? {
        let bytes = tag.utf8
        let space = UInt8(ascii: " ")
        guard let last = bytes.lastIndex(where: { $0 != space }) else { return nil }
        let start = bytes[..<last].lastIndex(of: space).map(bytes.index(after:)) ?? bytes.startIndex
        return Int(Substring(bytes[start...last]))
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
