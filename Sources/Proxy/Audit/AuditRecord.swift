import Foundation
import Rewriter

/// One line of the audit log: a statement that touched a legacy table, who sent it, and what
/// pgcutover did with it. Every field is always written (`null` when unknown), so the schema of a
/// line never depends on what happened; docs/audit.md lists the fields.
public struct AuditRecord: Sendable, Equatable {
    /// The mode that applied to the statement's tables for this client.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case passthrough
        case rewrite
        case dualWrite = "dual-write"
        case shadow
        case block
    }

    /// What pgcutover did with the statement.
    public enum Action: String, Sendable, Equatable, CaseIterable {
        case passed
        case rewritten
        case dualWritten = "dual-written"
        case shadowed
        case blocked
        /// The rewriter had no exact translation and the client got an error.
        case refused
    }

    /// The outcome of comparing the legacy and the rewritten answers in shadow mode.
    public enum ShadowVerdict: Sendable, Equatable {
        case match
        /// `summary` says how the answers differ (row counts, first differing row).
        case mismatch(summary: String)
        /// The comparison statement failed on the server (often the rewritten side: a value the
        /// rewrite casts does not convert); the client's own answer was not affected.
        case error(sqlState: String, message: String)
        /// No comparison ran: the comparer's queue was full, it has no credentials, or the
        /// statement cannot be compared; `reason` says which.
        case skipped(reason: String)

        /// The word written as `shadow_verdict`.
        public var word: String {
            switch self {
            case .match: "match"
            case .mismatch: "mismatch"
            case .error: "error"
            case .skipped: "skipped"
            }
        }

        /// What is written as `shadow_summary`.
        public var summary: String? {
            switch self {
            case .match: nil
            case .mismatch(let summary): summary
            case .error(let sqlState, let message): "\(sqlState): \(message)"
            case .skipped(let reason): reason
            }
        }
    }

    public var time: Date
    public var sessionID: UInt64
    public var clientAddress: String
    public var user: String?
    public var database: String?
    public var applicationName: String?
    /// The legacy tables the statement named, in order of first appearance.
    public var tables: [String]
    public var mode: Mode
    public var action: Action
    public var kind: StatementKind?
    /// libpg_query's fingerprint: equal for statements that differ only in constants.
    public var fingerprint: String?
    /// The statement with constants replaced by `$n` (see `AuditStatementText`).
    public var statement: String?
    public var rewrittenStatement: String?
    public var durationMilliseconds: Double?
    public var rows: Int?
    /// The SQLSTATE of the error the client got, if any.
    public var sqlState: String?
    public var shadowVerdict: ShadowVerdict?

    public init(
        time: Date, sessionID: UInt64, clientAddress: String, user: String? = nil, database: String? = nil,
        applicationName: String? = nil, tables: [String], mode: Mode, action: Action, kind: StatementKind? = nil,
        fingerprint: String? = nil, statement: String? = nil, rewrittenStatement: String? = nil,
        durationMilliseconds: Double? = nil, rows: Int? = nil, sqlState: String? = nil,
        shadowVerdict: ShadowVerdict? = nil
    ) {
        self.time = time
        self.sessionID = sessionID
        self.clientAddress = clientAddress
        self.user = user
        self.database = database
        self.applicationName = applicationName
        self.tables = tables
        self.mode = mode
        self.action = action
        self.kind = kind
        self.fingerprint = fingerprint
        self.statement = statement
        self.rewrittenStatement = rewrittenStatement
        self.durationMilliseconds = durationMilliseconds
        self.rows = rows
        self.sqlState = sqlState
        self.shadowVerdict = shadowVerdict
    }

    /// The record's fields taken from the session: the lead's call sites build records from this.
    public init(
        session: SessionInfo, time: Date, tables: [String], mode: Mode, action: Action,
        kind: StatementKind?, text: AuditStatementText
    ) {
        self.init(
            time: time, sessionID: session.id, clientAddress: session.clientAddress, user: session.user,
            database: session.database, applicationName: session.applicationName, tables: tables, mode: mode,
            action: action, kind: kind, fingerprint: text.fingerprint, statement: text.statement,
            rewrittenStatement: text.rewrittenStatement)
    }

    /// Appends the record as one JSON object and a newline. The field order is fixed.
    public func encodeLine(into out: inout [UInt8]) {
        var json = JSONLineWriter(out: out)
        out = []
        json.beginObject()
        json.key("time"); json.time(time)
        json.key("session_id"); json.integer(sessionID)
        json.key("client_addr"); json.string(clientAddress)
        json.key("user"); json.string(user)
        json.key("database"); json.string(database)
        json.key("application_name"); json.string(applicationName)
        json.key("tables"); json.strings(tables)
        json.key("mode"); json.rawString(mode.rawValue)
        json.key("action"); json.rawString(action.rawValue)
        json.key("kind"); if let kind { json.rawString(kind.rawValue) } else { json.null() }
        json.key("fingerprint"); json.string(fingerprint)
        json.key("statement"); json.string(statement)
        json.key("rewritten_statement"); json.string(rewrittenStatement)
        json.key("duration_ms"); json.milliseconds(durationMilliseconds)
        json.key("rows"); if let rows { json.integer(rows) } else { json.null() }
        json.key("sqlstate"); json.string(sqlState)
        json.key("shadow_verdict"); if let shadowVerdict { json.rawString(shadowVerdict.word) } else { json.null() }
        json.key("shadow_summary"); json.string(shadowVerdict?.summary)
        json.endObject()
        json.newline()
        out = json.out
    }

    /// The record as one JSON line, newline included.
    public var jsonLine: String {
        var bytes: [UInt8] = []
        encodeLine(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension AuditRecord.Mode {
    /// The audit name of a configured mode.
    public init(_ mode: CutoverMode) {
        switch mode {
        case .passthrough: self = .passthrough
        case .dualWrite: self = .dualWrite
        case .shadow: self = .shadow
        case .rewrite: self = .rewrite
        case .block: self = .block
        }
    }
}
