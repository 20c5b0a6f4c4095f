/// SQL that rebuilds a legacy table's rows, with the legacy column names, order and exact types,
/// from the JSON column it was folded into. Used as a derived table in place of the legacy name.
struct FoldedRows: Sendable {
    let table: LegacyTable
    private let head: String
    private let targetAlias = "cv"
    private let elementAlias = "e"

    init(table: LegacyTable, targetTable: String) {
        self.table = table
        let cv = targetAlias
        let e = elementAlias
        let columns = table.columns.map { column -> String in
            let value: String
            switch column.source {
            case .joinColumn:
                value = "\(cv).\(SQLText.identifier(table.joinTarget))"
            case .objectKey:
                value = "\(e).key"
            case .member(let jsonKey):
                value = Self.conversion(of: "\(e).value", key: jsonKey, to: column.sqlType)
            }
            return "\(value) AS \(SQLText.identifier(column.name))"
        }
        let container = "\(cv).\(SQLText.identifier(table.container))"
        let expand: String
        switch table.kind {
        case .keyedObject: expand = "jsonb_each(\(container)) AS \(e)(key, value)"
        case .keyedArray: expand = "jsonb_array_elements(\(container)) AS \(e)(value)"
        }
        head = "(SELECT \(columns.joined(separator: ", ")) FROM \(targetTable) \(cv) CROSS JOIN LATERAL \(expand)"
    }

    /// The derived table, restricted by conditions on the target row (already in SQL).
    func sql(where conditions: [String]) -> String {
        conditions.isEmpty ? head + ")" : head + " WHERE " + conditions.joined(separator: " AND ") + ")"
    }

    /// The condition on the target row that a legacy predicate implies, using an index the
    /// migration created: GIN on the container, the unique index on the join target.
    /// `operands` are the client's own constant or parameter tokens.
    func targetCondition(for predicate: PushdownPredicate, operands: [String]) -> String? {
        let container = "\(targetAlias).\(SQLText.identifier(table.container))"
        if predicate.column.name == table.joinColumn {
            let target = "\(targetAlias).\(SQLText.identifier(table.joinTarget))"
            switch predicate.form {
            case .equals: return "\(target) = \(operands[0])"
            case .any: return "\(target) = ANY(\(operands[0]))"
            case .inList: return "\(target) IN (\(operands.joined(separator: ", ")))"
            }
        }
        guard predicate.column.name == table.keyColumn else { return nil }
        switch (table.kind, predicate.column.source, predicate.form) {
        case (.keyedObject, _, .equals):
            return "\(container) ? \(Self.opaque(operands[0]))"
        case (.keyedObject, _, .any):
            return "\(container) ?| \(operands[0])"
        case (.keyedObject, _, .inList):
            return "\(container) ?| ARRAY[\(operands.joined(separator: ", "))]"
        case (.keyedArray, .member(let jsonKey), .equals):
            // The explicit type keeps a parameter's type what the legacy `key = $n` inferred.
            let element = "jsonb_build_array(jsonb_build_object(\(SQLText.literal(jsonKey)),"
                + " (\(operands[0]))::\(predicate.column.sqlType)))"
            return "\(container) @> \(Self.opaque(element, parameter: operands[0]))"
        default:
            return nil
        }
    }

    /// A GIN condition's operand that is a parameter goes in a scalar subquery, which the planner
    /// cannot look into: prepared statements then get the same estimate, and so the same plan,
    /// whatever value is bound, and Postgres reuses one generic plan instead of planning each
    /// execution anew (a parameter it can see makes the custom plan's estimate, from the value's
    /// statistics, look far cheaper than the generic plan's default 1% of rows; the legacy
    /// `god_name = $1` has no such gap). The value is the same and still uses the index (an
    /// InitPlan's result is a constant to the index scan). Constants stay as they are: a simple
    /// query is planned once anyway, with the value's statistics.
    private static func opaque(_ operand: String, parameter: String? = nil) -> String {
        let token = Array((parameter ?? operand).utf8.prefix(2))
        // `$1`, not a dollar-quoted constant (`$$athena$$`, `$q$athena$q$`).
        let isParameter = token.count == 2 && token[0] == UInt8(ascii: "$") && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(token[1])
        return isParameter ? "(SELECT \(operand))" : operand
    }

    /// `to_jsonb(column)` back to the column: `->>` then a cast gives exact values for numbers,
    /// text and timestamps; arrays are rebuilt element by element in order, JSON null stays NULL.
    private static func conversion(of element: String, key: String, to sqlType: String) -> String {
        let member = "\(element)->\(SQLText.literal(key))"
        if sqlType.hasSuffix("[]") {
            let elementType = String(sqlType.dropLast(2))
            return "CASE WHEN jsonb_typeof(\(member)) = 'array' THEN ARRAY(SELECT a.v::\(elementType)"
                + " FROM jsonb_array_elements_text(\(member)) WITH ORDINALITY AS a(v, n) ORDER BY a.n) END"
        }
        return "(\(element)->>\(SQLText.literal(key)))::\(sqlType)"
    }
}
