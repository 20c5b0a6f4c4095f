/// One statement that runs a legacy read as the client wrote it and its rewrite in the same
/// snapshot, and compares the answers on the server, so no rows travel to the proxy.
///
/// Its one result row has five columns, in this order:
/// `legacy_rows bigint, rewritten_rows bigint, matched boolean, legacy_row text, rewritten_row text`
/// — the last two are the first differing row of each side as whole-row text (`(a,b,…)`), NULL
/// when that side has none. Rows are compared as text (`row::text`), which every column type has.
/// Without a top-level ORDER BY the answers are compared as multisets (EXCEPT ALL both ways, the
/// first differing row being the least in text order); with one, position by position, and the
/// first differing position gives both rows. `$n` parameters keep their numbers: bind the client's
/// values to the comparison statement as they were bound to the original.
public struct ShadowComparison: Sendable, Equatable {
    public let sql: String
    /// True when rows are compared by position (the statement has a top-level ORDER BY).
    public let ordered: Bool
    /// The client's statement (without a trailing semicolon).
    public let legacySQL: String
    public let rewrittenSQL: String

    /// CTE names of the comparison; visible inside the wrapped statements too, hence names no
    /// legacy schema uses.
    static let legacyName = "pgcutover_shadow_legacy"
    static let rewrittenName = "pgcutover_shadow_rewritten"

    init(legacySQL: String, rewrittenSQL: String, ordered: Bool) {
        self.legacySQL = legacySQL
        self.rewrittenSQL = rewrittenSQL
        self.ordered = ordered
        self.sql = ordered
            ? Self.positional(legacy: legacySQL, rewritten: rewrittenSQL)
            : Self.multiset(legacy: legacySQL, rewritten: rewrittenSQL)
    }

    // The statements go on lines of their own: a trailing `--` comment must not swallow the
    // closing parenthesis. MATERIALIZED makes each side run once however often it is read.
    private static func multiset(legacy: String, rewritten: String) -> String {
        let l = legacyName, w = rewrittenName
        return """
            WITH \(l) AS MATERIALIZED (SELECT s::text AS r FROM (
            \(legacy)
            ) s), \(w) AS MATERIALIZED (SELECT s::text AS r FROM (
            \(rewritten)
            ) s), \(l)_only AS (SELECT r FROM \(l) EXCEPT ALL SELECT r FROM \(w)),
            \(w)_only AS (SELECT r FROM \(w) EXCEPT ALL SELECT r FROM \(l))
            SELECT (SELECT count(*) FROM \(l)) AS legacy_rows, (SELECT count(*) FROM \(w)) AS rewritten_rows,
            NOT EXISTS (SELECT FROM \(l)_only) AND NOT EXISTS (SELECT FROM \(w)_only) AS matched,
            (SELECT r FROM \(l)_only ORDER BY r LIMIT 1) AS legacy_row,
            (SELECT r FROM \(w)_only ORDER BY r LIMIT 1) AS rewritten_row
            """
    }

    // row_number() OVER () numbers rows in the order the sorted subquery produces them: the
    // window has no ORDER BY of its own, so the planner adds no sort above the statement's.
    private static func positional(legacy: String, rewritten: String) -> String {
        let l = legacyName, w = rewrittenName
        return """
            WITH \(l) AS MATERIALIZED (SELECT row_number() OVER () AS n, s::text AS r FROM (
            \(legacy)
            ) s), \(w) AS MATERIALIZED (SELECT row_number() OVER () AS n, s::text AS r FROM (
            \(rewritten)
            ) s), pgcutover_shadow_first AS (SELECT \(l).r AS legacy_row, \(w).r AS rewritten_row
            FROM \(l) FULL JOIN \(w) ON \(l).n = \(w).n
            WHERE \(l).r IS DISTINCT FROM \(w).r ORDER BY coalesce(\(l).n, \(w).n) LIMIT 1)
            SELECT (SELECT count(*) FROM \(l)) AS legacy_rows, (SELECT count(*) FROM \(w)) AS rewritten_rows,
            NOT EXISTS (SELECT FROM pgcutover_shadow_first) AS matched,
            (SELECT legacy_row FROM pgcutover_shadow_first) AS legacy_row,
            (SELECT rewritten_row FROM pgcutover_shadow_first) AS rewritten_row
            """
    }
}

extension Rewriter {
    /// The comparison statement for one legacy read, or why there is none. Whether rows are
    /// compared in order is decided by the parse tree: a `sortClause` on the statement itself
    /// (an ORDER BY in a subquery or a window orders nothing the client sees).
    public func shadowComparison(_ sql: String) throws(ShadowComparisonRefusal) -> ShadowComparison {
        let tree: ParseTree
        do {
            tree = try ParseTree.parse(sql)
        } catch {
            switch error {
            case .syntax(let message, _): throw .syntaxError(message)
            case .tooDeep: throw .syntaxError("statement too deeply nested to compare")
            }
        }
        guard tree.statements.count == 1, let statement = tree.statements.first else {
            throw .multipleStatements(tree.statements.count)
        }
        guard let (type, fields) = ReferenceFinder.unwrap(statement.node), type == "SelectStmt" else {
            let kind = (try? ReferenceFinder(mapping: mapping, options: options).analyze(statement.node).kind) ?? .other
            throw .notARead(kind)
        }
        if fields["intoClause"] != nil { throw .selectInto }
        if Self.contains(.object(fields), where: { key, _ in key == "lockingClause" }) { throw .locking }
        if Self.contains(.object(fields), where: { key, _ in ["InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"].contains(key) }) {
            throw .dataModifyingWith
        }
        let bytes = Array(sql.utf8)
        let range = statement.range.clamped(to: 0..<bytes.count)
        let legacy = String(decoding: bytes[range], as: UTF8.self)
        switch rewrite(legacy) {
        case .passThrough:
            throw .noLegacyTable
        case .refused(let error):
            throw .rewriteRefused(error)
        case .rewritten(let rewritten, let statements):
            guard statements.count == 1, statements[0].kind == .select else {
                throw .notARead(statements.first?.kind ?? .other)
            }
            guard !statements[0].legacyTables.isEmpty else { throw .noLegacyTable }
            let ordered = !(fields["sortClause"]?.array ?? []).isEmpty
            return ShadowComparison(legacySQL: legacy, rewrittenSQL: rewritten, ordered: ordered)
        }
    }

    /// True when some object member anywhere in `node` satisfies `predicate`.
    private static func contains(_ node: JSON, where predicate: (String, JSON) -> Bool) -> Bool {
        switch node {
        case .object(let object):
            for member in object {
                if predicate(member.key, member.value) || contains(member.value, where: predicate) { return true }
            }
            return false
        case .array(let items):
            return items.contains { contains($0, where: predicate) }
        case .string, .int, .bool, .null:
            return false
        }
    }
}
