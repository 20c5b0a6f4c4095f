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

    static func parse(_ sql: String) throws(Failure) -> ParseTree {
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
                return try JSONReader.parse(UnsafeBufferPointer(start: text, count: length))
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
