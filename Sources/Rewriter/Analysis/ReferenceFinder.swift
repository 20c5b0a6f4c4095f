/// Walks one statement's parse tree and finds the real references to legacy tables: relations in
/// FROM (at any depth) that are unqualified or `public.`-qualified and not shadowed by a CTE in scope.
/// Everything it cannot translate exactly is refused here, before any text is produced.
///
/// The walk is generic over node types (any node it does not know is searched for nested
/// statements), and specific only where meaning changes: statement nodes (WITH scopes, FROM,
/// targets of writes), FROM items, and the places a relation name is not a table reference.
final class ReferenceFinder {
    private let mapping: Mapping
    private let options: RewriterOptions
    private var reads: [LegacyReference] = []
    private var copySource: CopySource?
    private var write: LegacyWrite?
    private var truncated: [LegacyTable] = []
    /// Every column reference, to check system columns and whole-row references once the
    /// exposed names of all legacy references are known.
    private var columnRefs: [[String]] = []
    /// CTE names visible at the current point, innermost last.
    private typealias Scope = [Set<String>]

    init(mapping: Mapping, options: RewriterOptions = RewriterOptions()) {
        self.mapping = mapping
        self.options = options
    }

    func analyze(_ statement: JSON) throws(RewriteError) -> StatementAnalysis {
        reads = []
        copySource = nil
        write = nil
        truncated = []
        columnRefs = []
        guard let (type, fields) = Self.unwrap(statement) else { return StatementAnalysis(kind: .other) }
        let kind: StatementKind
        switch type {
        case "SelectStmt":
            kind = .select
            try visitSelect(fields, scope: [])
        case "InsertStmt":
            kind = .insert
            try visitWrite(type, fields, scope: [], topLevel: true)
        case "UpdateStmt":
            kind = .update
            try visitWrite(type, fields, scope: [], topLevel: true)
        case "DeleteStmt":
            kind = .delete
            try visitWrite(type, fields, scope: [], topLevel: true)
        case "CopyStmt":
            kind = .copy
            try visitCopy(fields)
        case "ExplainStmt", "PrepareStmt", "DeclareCursorStmt":
            // Wrappers around one query: the query is rewritten, the wrapper kept.
            kind = .other
            try walk(fields["query"], scope: [])
        case "CreateTableAsStmt":
            kind = .ddl
            if let into = fields["into"]?.object, let rel = into["rel"]?.object,
                let table = namedLegacyTable(rel)
            {
                throw .unsupported("CREATE TABLE AS", table: table.name)
            }
            try walk(fields["query"], scope: [])
        case "TruncateStmt":
            kind = .ddl
            let relations = (fields["relations"]?.array ?? []).compactMap { ReferenceFinder.unwrap($0)?.fields }
            let legacy = relations.compactMap(namedLegacyTable)
            if let first = legacy.first {
                guard options.allowTruncate else { throw .unsupported("TRUNCATE", table: first.name) }
                guard legacy.count == relations.count else {
                    throw .unsupported("TRUNCATE together with other tables", table: first.name)
                }
                if fields["restart_seqs"]?.bool ?? false {
                    throw .unsupported("TRUNCATE … RESTART IDENTITY", table: first.name)
                }
                truncated = legacy
            }
        default:
            kind = Self.isDDL(type) ? .ddl : .other
            if let table = firstMention(in: .object(fields)) {
                throw .unsupported(Self.construct(type), table: table.name)
            }
        }
        try checkColumnReferences()
        return StatementAnalysis(kind: kind, reads: reads, copySource: copySource, write: write, truncated: truncated)
    }

    // MARK: Statements

    private func visitSelect(_ fields: JSONObject, scope: Scope) throws(RewriteError) {
        let scope = try visitWith(fields["withClause"], scope: scope)
        let firstRead = reads.count
        var level: [Int] = []
        let from = fields["fromClause"]?.array ?? []
        for item in from {
            try visitFromItem(item, scope: scope, level: &level)
        }
        if let condition = fields["whereClause"] {
            try walk(condition, scope: scope)
            let singleRelation = from.count == 1 && level.count == 1 && Self.unwrap(from[0])?.type == "RangeVar"
            addPushdowns(from: condition, level: level, singleRelation: singleRelation)
        }
        if reads.count > firstRead, let locking = fields["lockingClause"]?.array,
            let clause = locking.first.flatMap(Self.unwrap)?.fields
        {
            throw .unsupported(Self.lockingName(clause["strength"]?.string), table: reads[firstRead].table.name)
        }
        if let into = fields["intoClause"]?.object, let rel = into["rel"]?.object,
            let table = namedLegacyTable(rel)
        {
            throw .unsupported("SELECT INTO", table: table.name)
        }
        // Set operations embed their branches without a node wrapper.
        for key in ["larg", "rarg"] {
            if let branch = fields[key]?.object { try visitSelect(branch, scope: scope) }
        }
        for (key, value) in fields
        where !["withClause", "fromClause", "whereClause", "lockingClause", "intoClause", "larg", "rarg"]
            .contains(key)
        {
            try walk(value, scope: scope)
        }
    }

    /// INSERT/UPDATE/DELETE: a legacy target is translated only for the statement itself, not
    /// nested in a WITH, EXPLAIN or PREPARE (the pipeline would have to be nested too); whatever
    /// the target, the statement may read legacy tables anywhere.
    private func visitWrite(
        _ type: String, _ fields: JSONObject, scope: Scope, topLevel: Bool = false
    ) throws(RewriteError) {
        let scope = try visitWith(fields["withClause"], scope: scope)
        let verb: LegacyWrite.Verb = type == "InsertStmt" ? .insert : type == "UpdateStmt" ? .update : .delete
        var target: LegacyReference?
        if let relation = fields["relation"]?.object, let table = namedLegacyTable(relation) {
            guard topLevel else {
                throw .unsupported(
                    "\(verb.rawValue.uppercased()) inside another statement (WITH, EXPLAIN, PREPARE)", table: table.name)
            }
            let alias = relation["alias"]?.object
            target = LegacyReference(
                table: table, location: relation["location"]?.int ?? 0, nameParts: Self.nameParts(relation),
                aliasName: alias?["aliasname"]?.string, renamesColumns: false, inheritance: true)
        }
        var level: [Int] = []
        let fromKey = verb == .delete ? "usingClause" : "fromClause"
        let from = fields[fromKey]?.array ?? []
        for item in from {
            try visitFromItem(item, scope: scope, level: &level)
        }
        for (key, value) in fields where !["withClause", "relation", "fromClause", "usingClause"].contains(key) {
            try walk(value, scope: scope)
        }
        if var target {
            if let condition = fields["whereClause"] {
                target.pushdowns = pushdowns(from: condition, for: target, alone: from.isEmpty)
            }
            write = LegacyWrite(verb: verb, target: target, fields: fields)
        }
    }

    private func visitCopy(_ fields: JSONObject) throws(RewriteError) {
        if let relation = fields["relation"]?.object, let table = namedLegacyTable(relation) {
            if fields["is_from"]?.bool ?? false {
                throw .unsupported("COPY FROM", table: table.name)
            }
            copySource = CopySource(
                table: table, location: relation["location"]?.int ?? 0, nameParts: Self.nameParts(relation),
                hasColumnList: !(fields["attlist"]?.array ?? []).isEmpty)
        }
        try walk(fields["query"], scope: [])
    }

    /// Returns the scope seen by the statement body. A non-recursive CTE sees only the CTEs
    /// before it, so `WITH god_vocabulary_profiles AS (SELECT … FROM god_vocabulary_profiles)`
    /// reads the real table inside and shadows it outside.
    private func visitWith(_ clause: JSON?, scope: Scope) throws(RewriteError) -> Scope {
        guard let with = clause?.object, let ctes = with["ctes"]?.array else { return scope }
        let entries = ctes.compactMap { Self.unwrap($0)?.fields }
        let names = entries.compactMap { $0["ctename"]?.string }
        if with["recursive"]?.bool ?? false {
            let inner = scope + [Set(names)]
            for entry in entries { try walk(entry["ctequery"], scope: inner) }
            return inner
        }
        var visible = Set<String>()
        for entry in entries {
            try walk(entry["ctequery"], scope: scope + [visible])
            if let name = entry["ctename"]?.string { visible.insert(name) }
        }
        return scope + [visible]
    }

    // MARK: FROM

    /// `level` collects the references that sit directly in this FROM list (joins included),
    /// the ones a WHERE conjunct of the same SELECT can name.
    private func visitFromItem(_ item: JSON, scope: Scope, level: inout [Int]) throws(RewriteError) {
        guard let (type, fields) = Self.unwrap(item) else { return }
        switch type {
        case "RangeVar":
            if let reference = try legacyReference(fields, scope: scope) {
                reads.append(reference)
                level.append(reads.count - 1)
            }
        case "JoinExpr":
            if let left = fields["larg"] { try visitFromItem(left, scope: scope, level: &level) }
            if let right = fields["rarg"] { try visitFromItem(right, scope: scope, level: &level) }
            try walk(fields["quals"], scope: scope)
        case "RangeTableSample":
            if let relation = fields["relation"], let rel = Self.unwrap(relation), rel.type == "RangeVar",
                let reference = try legacyReference(rel.fields, scope: scope)
            {
                throw .unsupported("TABLESAMPLE", table: reference.table.name)
            }
            try walk(.object(fields), scope: scope)
        default:
            try walk(item, scope: scope)
        }
    }

    private func legacyReference(_ rangeVar: JSONObject, scope: Scope) throws(RewriteError) -> LegacyReference? {
        guard let name = rangeVar["relname"]?.string, let table = mapping.table(named: name) else { return nil }
        let schema = rangeVar["schemaname"]?.string
        if schema == nil, scope.contains(where: { $0.contains(name) }) { return nil }
        if let schema, schema != "public" { return nil }
        let alias = rangeVar["alias"]?.object
        return LegacyReference(
            table: table, location: rangeVar["location"]?.int ?? 0, nameParts: Self.nameParts(rangeVar),
            aliasName: alias?["aliasname"]?.string, renamesColumns: alias?["colnames"] != nil,
            inheritance: rangeVar["inh"]?.bool ?? false)
    }

    /// A relation name outside FROM (a write target, COPY, SELECT INTO): no CTE can shadow it.
    private func namedLegacyTable(_ rangeVar: JSONObject) -> LegacyTable? {
        guard let name = rangeVar["relname"]?.string, let table = mapping.table(named: name) else { return nil }
        let schema = rangeVar["schemaname"]?.string
        return schema == nil || schema == LegacyTable.schema ? table : nil
    }

    // MARK: Generic walk

    private func walk(_ value: JSON?, scope: Scope) throws(RewriteError) {
        if let list = value?.array {
            for element in list { try walk(element, scope: scope) }
        } else if let object = value?.object {
            // A relation embedded without a node wrapper, in a position not handled above.
            if object["relname"] != nil, let reference = try legacyReference(object, scope: scope) {
                throw .unsupported("this reference", table: reference.table.name)
            }
            for (key, child) in object {
                if let first = key.utf8.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z"),
                    let fields = child.object
                {
                    try visitNode(key, fields, scope: scope)
                } else {
                    try walk(child, scope: scope)
                }
            }
        }
    }

    private func visitNode(_ type: String, _ fields: JSONObject, scope: Scope) throws(RewriteError) {
        switch type {
        case "SelectStmt":
            try visitSelect(fields, scope: scope)
        case "InsertStmt", "UpdateStmt", "DeleteStmt":
            try visitWrite(type, fields, scope: scope)
        case "MergeStmt":
            if let table = firstMention(in: .object(fields)) { throw .unsupported("MERGE", table: table.name) }
        case "RangeVar":
            // FROM items are handled by visitFromItem; a legacy name anywhere else is a use we
            // have not analysed.
            if let reference = try legacyReference(fields, scope: scope) {
                throw .unsupported("this reference", table: reference.table.name)
            }
        case "ColumnRef":
            let names = (fields["fields"]?.array ?? []).map { field -> String in
                guard let (kind, body) = Self.unwrap(field), kind == "String" else { return "*" }
                return body["sval"]?.string ?? ""
            }
            columnRefs.append(names)
        default:
            try walk(.object(fields), scope: scope)
        }
    }

    // MARK: Checks after the walk

    private static let systemColumns: Set<String> = ["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"]

    /// System columns and whole-row references have no equivalent in rebuilt rows
    /// (a whole-row value would have type `record`, not the table's row type).
    private func checkColumnReferences() throws(RewriteError) {
        let all = reads + [write?.target].compactMap { $0 }
        guard let first = all.first else { return }
        var exposed: [String: LegacyTable] = [:]
        for reference in all { exposed[reference.exposedName] = reference.table }
        for names in columnRefs {
            guard let column = names.last else { continue }
            if names.count == 1, let table = exposed[column] {
                throw .unsupported("a whole-row reference", table: table.name)
            }
            if names.count >= 3, let table = exposed[names[names.count - 2]], table.name == names[names.count - 2] {
                // `public.god_vocabulary_profiles.word`: the derived table has no schema.
                throw .unsupported("a schema-qualified column reference", table: table.name)
            }
            guard Self.systemColumns.contains(column) else { continue }
            if names.count == 1 {
                throw .unsupported("system column \(column)", table: first.table.name)
            }
            if let table = exposed[names[names.count - 2]] {
                throw .unsupported("system column \(column)", table: table.name)
            }
        }
    }

    /// A legacy name anywhere in a statement the rewriter does not translate: as a relation or as
    /// an object name (`DROP TABLE x` lists names as strings). Constants are not searched.
    private func firstMention(in value: JSON?) -> LegacyTable? {
        if let list = value?.array {
            for element in list { if let table = firstMention(in: element) { return table } }
        } else if let object = value?.object {
            if let name = object["relname"]?.string, let table = mapping.table(named: name) {
                let schema = object["schemaname"]?.string
                if schema == nil || schema == "public" { return table }
            }
            for (key, child) in object where key != "A_Const" {
                if key == "String", let body = child.object, let name = body["sval"]?.string,
                    let table = mapping.table(named: name)
                {
                    return table
                }
                if let table = firstMention(in: child) { return table }
            }
        }
        return nil
    }

    // MARK: Pushdown

    private func addPushdowns(from condition: JSON, level: [Int], singleRelation: Bool) {
        guard !level.isEmpty else { return }
        for conjunct in Self.conjuncts(condition) {
            guard let (type, expr) = Self.unwrap(conjunct), type == "A_Expr", Self.operatorName(expr) == "=",
                let kind = expr["kind"]?.string
            else { continue }
            switch kind {
            case "AEXPR_OP":
                if let (index, column) = resolve(expr["lexpr"], level: level, singleRelation: singleRelation),
                    let operand = Self.scalarOperand(expr["rexpr"])
                {
                    reads[index].pushdowns.append(PushdownPredicate(column: column, form: .equals, operands: [operand]))
                } else if let (index, column) = resolve(expr["rexpr"], level: level, singleRelation: singleRelation),
                    let operand = Self.scalarOperand(expr["lexpr"])
                {
                    reads[index].pushdowns.append(PushdownPredicate(column: column, form: .equals, operands: [operand]))
                }
            case "AEXPR_OP_ANY":
                if let (index, column) = resolve(expr["lexpr"], level: level, singleRelation: singleRelation),
                    let operand = Self.arrayOperand(expr["rexpr"])
                {
                    reads[index].pushdowns.append(PushdownPredicate(column: column, form: .any, operands: [operand]))
                }
            case "AEXPR_IN":
                // `x IN (a, b)` arrives as a List node.
                if let (index, column) = resolve(expr["lexpr"], level: level, singleRelation: singleRelation),
                    let rexpr = expr["rexpr"], let (type, body) = Self.unwrap(rexpr), type == "List",
                    let list = body["items"]?.array
                {
                    let operands = list.compactMap(Self.scalarOperand)
                    if operands.count == list.count, !operands.isEmpty {
                        reads[index].pushdowns.append(PushdownPredicate(column: column, form: .inList, operands: operands))
                    }
                }
            default:
                continue
            }
        }
    }

    /// Pushdowns for a write's target, which is not one of `reads`.
    private func pushdowns(from condition: JSON, for target: LegacyReference, alone: Bool) -> [PushdownPredicate] {
        let saved = reads
        reads = [target]
        addPushdowns(from: condition, level: [0], singleRelation: alone)
        let found = reads[0].pushdowns
        reads = saved
        return found
    }

    /// The legacy reference and column a `ColumnRef` names, if it is the fold's key or join column.
    /// Unqualified names are resolved only when the SELECT reads from that one relation.
    private func resolve(_ node: JSON?, level: [Int], singleRelation: Bool) -> (Int, LegacyColumn)? {
        guard let node, let (type, fields) = Self.unwrap(node), type == "ColumnRef",
            let parts = fields["fields"]?.array
        else { return nil }
        let names = parts.compactMap { Self.unwrap($0).flatMap { $0.type == "String" ? $0.fields["sval"]?.string : nil } }
        guard names.count == parts.count else { return nil }
        let index: Int
        if names.count == 1, singleRelation {
            index = level[0]
        } else if names.count == 2, let match = level.first(where: { reads[$0].exposedName == names[0] }) {
            index = match
        } else {
            return nil
        }
        // `AS x(a, b)` renames columns by position; names no longer identify legacy columns.
        guard !reads[index].renamesColumns else { return nil }
        let table = reads[index].table
        guard let column = table.column(named: names[names.count - 1]),
            column.name == table.keyColumn || column.name == table.joinColumn
        else { return nil }
        return (index, column)
    }

    // MARK: Tree helpers

    static func unwrap(_ node: JSON) -> (type: String, fields: JSONObject)? {
        guard let object = node.object, object.count == 1, let (type, body) = object.members.first,
            let fields = body.object
        else { return nil }
        return (type, fields)
    }

    private static func conjuncts(_ condition: JSON) -> [JSON] {
        if let (type, fields) = unwrap(condition), type == "BoolExpr", fields["boolop"]?.string == "AND_EXPR" {
            return (fields["args"]?.array ?? []).flatMap(conjuncts)
        }
        return [condition]
    }

    private static func operatorName(_ expr: JSONObject) -> String? {
        guard let name = expr["name"]?.array, name.count == 1, let (type, fields) = unwrap(name[0]),
            type == "String"
        else { return nil }
        return fields["sval"]?.string
    }

    private static func scalarOperand(_ node: JSON?) -> PushdownPredicate.Operand? {
        guard let node, let (type, fields) = unwrap(node), let location = fields["location"]?.int else { return nil }
        switch type {
        case "ParamRef": return .token(location: location)
        case "A_Const" where fields["sval"] != nil: return .token(location: location)
        default: return nil
        }
    }

    private static func arrayOperand(_ node: JSON?) -> PushdownPredicate.Operand? {
        if let scalar = scalarOperand(node) { return scalar }
        guard let node, let (type, fields) = unwrap(node), type == "A_ArrayExpr",
            let elements = fields["elements"]?.array, !elements.isEmpty
        else { return nil }
        var locations: [Int] = []
        for element in elements {
            guard case .token(let location)? = scalarOperand(element) else { return nil }
            locations.append(location)
        }
        return .array(elements: locations)
    }

    private static func nameParts(_ rangeVar: JSONObject) -> Int {
        1 + (rangeVar["schemaname"] == nil ? 0 : 1) + (rangeVar["catalogname"] == nil ? 0 : 1)
    }

    private static func lockingName(_ strength: String?) -> String {
        switch strength {
        case "LCS_FORKEYSHARE": return "FOR KEY SHARE"
        case "LCS_FORSHARE": return "FOR SHARE"
        case "LCS_FORNOKEYUPDATE": return "FOR NO KEY UPDATE"
        default: return "FOR UPDATE"
        }
    }

    private static func isDDL(_ type: String) -> Bool {
        ["Create", "Alter", "Drop", "Rename", "Comment", "Grant", "Truncate", "Index", "View", "Rule", "Cluster",
         "Reindex", "Vacuum", "Lock"].contains { type.hasPrefix($0) }
    }

    /// The SQL words for a statement node type, for error messages.
    private static func construct(_ type: String) -> String {
        let names = [
            "TruncateStmt": "TRUNCATE", "CreateStmt": "CREATE TABLE", "AlterTableStmt": "ALTER TABLE",
            "DropStmt": "DROP", "IndexStmt": "CREATE INDEX", "RenameStmt": "ALTER … RENAME", "LockStmt": "LOCK",
            "GrantStmt": "GRANT", "ViewStmt": "CREATE VIEW", "VacuumStmt": "VACUUM/ANALYZE",
            "CommentStmt": "COMMENT", "CreateTrigStmt": "CREATE TRIGGER", "RuleStmt": "CREATE RULE",
            "ClusterStmt": "CLUSTER", "ReindexStmt": "REINDEX", "CreatePolicyStmt": "CREATE POLICY", "MergeStmt": "MERGE",
        ]
        return names[type] ?? type
    }
}
