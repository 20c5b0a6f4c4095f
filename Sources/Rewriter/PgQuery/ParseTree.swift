import CPgQuery
import Foundation

/// libpg_query's JSON parse tree of one query string.
/// Nodes are `{"NodeType": {fields}}`; struct-typed fields (e.g. `InsertStmt.relation`) are embedded
/// without the wrapper. Every `location` is a byte offset into the UTF-8 text that was parsed.
struct ParseTree {
    struct Statement {
        /// The statement node with its wrapper, e.g. `{"SelectStmt": {…}}`.
        let node: JSON
        /// Byte range of the statement in the text (without the separating semicolon).
        let range: Range<Int>
    }

    let statements: [Statement]

    enum Failure: Error {
        /// Not SQL: the server is left to say why.
        case syntax(message: String, cursor: Int)
        /// Nested deeper than `JSONReader.maximumDepth`.
        case tooDeep
    }

    /// The node types and fields that make a VALUES row matter to the rewriter: statements and
    /// relations inside it, column references (checked for system columns and whole rows), and
    /// DEFAULT (replaced by the column's default).
    static let significantInValuesRows = [
        "SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "RangeVar", "relname", "ColumnRef",
        "SetToDefault",
    ]

    /// The strings `parse(_:skippingValuesRowsWithout:)` looks for: `significantInValuesRows`
    /// and the given names (a legacy name as a string is a mention the analysis may look for).
    static func valuesRowNeedles(names: [String]) -> [[UInt8]] {
        (significantInValuesRows + names).map { Array($0.utf8) }
    }

    /// With `needles` (`valuesRowNeedles`), the rows of a VALUES list after the first are `null`
    /// in the tree unless they contain one of them as a string (see `JSONReader`).
    static func parse(_ sql: String, skippingValuesRowsWithout needles: [[UInt8]]? = nil) throws(Failure) -> ParseTree {
        let result = pg_query_parse(sql)
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            throw .syntax(message: String(cString: error.pointee.message), cursor: Int(error.pointee.cursorpos))
        }
        guard let json = result.parse_tree else { return ParseTree(statements: []) }
        let length = strlen(json)
        var tooDeep = false
        let root = json.withMemoryRebound(to: UInt8.self, capacity: length) { text -> JSON? in
            do throws(JSONReader.Malformed) {
                return try JSONReader.parse(
                    UnsafeBufferPointer(start: text, count: length),
                    inertRowsExcept: needles)
            } catch {
                tooDeep = error.tooDeep
                return nil
            }
        }
        if tooDeep { throw .tooDeep }
        guard let raw = root?.object?["stmts"]?.array else { return ParseTree(statements: []) }
        let total = sql.utf8.count
        let statements = raw.compactMap { entry -> Statement? in
            guard let entry = entry.object, let node = entry["stmt"] else { return nil }
            let start = entry["stmt_location"]?.int ?? 0
            let length = entry["stmt_len"]?.int ?? 0
            // stmt_len 0 means "to the end of the text".
            return Statement(node: node, range: start..<(length == 0 ? total : start + length))
        }
        return ParseTree(statements: statements)
    }
}
