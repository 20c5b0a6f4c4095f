/// A write on a legacy table becomes one statement on the target table: CTEs bind the legacy
/// rows the write touches (rebuilt from the JSON, with the statement's own expressions applied
/// verbatim), one data-modifying CTE writes each affected target row's container back, and the
/// final SELECT returns the legacy row count (or the RETURNING rows).
///
///     DELETE  → pgcutover_removed                    → UPDATE target …
///     UPDATE  → pgcutover_changed                    → UPDATE target …
///     INSERT  → pgcutover_input → pgcutover_proposed → pgcutover_added (+ pgcutover_changed for
///               ON CONFLICT DO UPDATE)               → INSERT INTO target … ON CONFLICT (token) DO UPDATE
struct WriteRewriter {
    let statement: StatementRewriter
    let fold: FoldedRows
    let writes: FoldWrites
    /// Byte range of the whole statement.
    let range: Range<Int>
    /// The read edits inside the statement: applied to every piece of client text kept.
    let readEdits: [TextEdit]

    private var table: LegacyTable { fold.table }

    /// The legacy rows a write binds are rebuilt from the target rows it has locked (see
    /// `FoldWrites.lockedRows`), never from the statement's snapshot directly.
    private static let locked = "pgcutover_locked"
    private var lockedFold: FoldedRows { FoldedRows(table: table, targetTable: Self.locked) }

    /// Clause keywords are found among the statement's tokens outside any parentheses or brackets.
    private struct Clauses {
        var starts: [String: Int] = [:]
        func range(of keyword: String, endingAt ends: [Int]) -> (Int, Int)? {
            guard let start = starts[keyword] else { return nil }
            return (start, ends.filter { $0 > start }.min() ?? Int.max)
        }
    }

    func rewrite(_ write: LegacyWrite) throws(RewriteError) -> (edit: TextEdit, tag: CommandTagRule) {
        let tokens = statement.tokens
        let first = statement.firstToken(atOrAfter: range.lowerBound)
        guard let verbIndex = depthZero([write.verb.rawValue], from: first).first?.index,
            let name = try? statement.nameSpan(at: write.target.location, parts: write.target.nameParts, table: table)
        else {
            throw .unsupported("this \(write.verb.rawValue.uppercased()) form", table: table.name)
        }
        var head = "WITH "
        if write.fields["withClause"] != nil {
            head = render(range.lowerBound..<tokens[verbIndex].start) + ", "
        }
        var cursor = name.lastToken + 1
        // `UPDATE name *` and `DELETE FROM name *` (with inheritance children, the default) say
        // no more than `name`; the alias, if any, comes after the star.
        if cursor < tokens.count, tokens[cursor].kind == ScannedToken.star { cursor += 1 }
        var exposed = statement.tokenText(name.lastToken)
        if write.target.aliasName != nil, cursor < tokens.count {
            if statement.isKeyword(cursor, "as") { cursor += 1 }
            exposed = statement.tokenText(cursor)
            cursor += 1
        }
        let sql: String
        let tag: CommandTagRule
        switch write.verb {
        case .delete: (sql, tag) = try delete(write, from: cursor, exposed: exposed)
        case .update: (sql, tag) = try update(write, from: cursor, exposed: exposed)
        case .insert: (sql, tag) = try insert(write, from: cursor, exposed: exposed)
        }
        return (TextEdit(range: range, replacement: head + sql, origin: tokens[first].start), tag)
    }

    // MARK: DELETE

    private func delete(_ write: LegacyWrite, from cursor: Int, exposed: String) throws(RewriteError) -> (String, CommandTagRule) {
        if let condition = write.fields["whereClause"], ReferenceFinder.unwrap(condition)?.type == "CurrentOfExpr" {
            throw .unsupported("WHERE CURRENT OF", table: table.name)
        }
        let clauses = depthZero(["using", "where", "returning"], from: cursor)
        let ends = clauses.map(\.start) + [range.upperBound]
        let using = span(of: "using", in: clauses, ends: ends)
        let condition = span(of: "where", in: clauses, ends: ends)
        let returning = span(of: "returning", in: clauses, ends: ends)
        var filter = ""
        if let using {
            // DELETE … USING removes a row once however many USING rows match it.
            filter = " WHERE EXISTS (SELECT 1 FROM \(render(using))"
                + (condition.map { " WHERE \(render($0))" } ?? "") + ")"
        } else if let condition {
            filter = " WHERE \(render(condition))"
        }
        let lock = writes.lockedRows(Self.locked, where: [writes.containerPresent] + statement.conditions(write.target, fold: fold))
        let rows = lockedFold.sql(where: [])
        let removed = "pgcutover_removed AS (SELECT \(exposed).* FROM \(rows) AS \(exposed)\(filter))"
        let back = "pgcutover_write AS (\(writes.writeBack(removed: "pgcutover_removed", changed: nil, added: nil, mayCreate: false)))"
        return finish([lock, removed, back], result: "pgcutover_removed", returning: returning, exposed: exposed, verb: .delete)
    }

    // MARK: UPDATE

    private func update(_ write: LegacyWrite, from cursor: Int, exposed: String) throws(RewriteError) -> (String, CommandTagRule) {
        if let condition = write.fields["whereClause"], ReferenceFinder.unwrap(condition)?.type == "CurrentOfExpr" {
            throw .unsupported("WHERE CURRENT OF", table: table.name)
        }
        let clauses = depthZero(["set", "from", "where", "returning"], from: cursor)
        let ends = clauses.map(\.start) + [range.upperBound]
        guard let setList = span(of: "set", in: clauses, ends: ends) else {
            throw .unsupported("this UPDATE form", table: table.name)
        }
        let from = span(of: "from", in: clauses, ends: ends)
        let condition = span(of: "where", in: clauses, ends: ends)
        let returning = span(of: "returning", in: clauses, ends: ends)
        if from != nil, returning != nil {
            throw .unsupported("UPDATE … FROM … RETURNING", table: table.name)
        }
        let assigned = try assignments(write.fields["targetList"], in: setList, verb: "UPDATE", allowKeys: true)
        // The WHERE clause is evaluated on the newest versions of the locked target rows, as the
        // legacy UPDATE re-evaluated it on a row a concurrent writer changed.
        let lock = writes.lockedRows(Self.locked, where: [writes.containerPresent] + statement.conditions(write.target, fold: fold))
        let rows = lockedFold.sql(where: [])
        let join = SQLText.identifier(table.joinColumn)
        let key = SQLText.identifier(table.keyColumn)
        // A row whose key or join column changes moves: out of its old place, into its new one
        // (possibly another token, possibly a new token row).
        let moves = assigned[table.keyColumn] != nil || assigned[table.joinColumn] != nil
        // UPDATE … FROM updates a row once even when several FROM rows match; which one is used is
        // unspecified in Postgres too.
        let distinct = from == nil ? "" : "DISTINCT ON (\(exposed).\(join), \(exposed).\(key)) "
        var select = "SELECT \(distinct)\(columns(assigned, base: exposed))"
        if moves {
            select += ", \(exposed).\(join) AS pgcutover_old_join, \(exposed).\(key) AS pgcutover_old_key"
            if let id = Self.scanOrderColumn(table) {
                select += ", \(exposed).\(SQLText.identifier(id)) AS pgcutover_old_id"
            }
        }
        select += " FROM \(rows) AS \(exposed)"
        if let from { select += ", " + render(from) }
        if let condition { select += " WHERE " + render(condition) }
        let changed = "pgcutover_changed AS (\(checked(select, assigned: assigned, exposed: exposed)))"
        let assignment = assignmentCheck(setList, from: from, condition: condition, exposed: exposed)
        guard moves else {
            let back = "pgcutover_write AS (\(writes.writeBack(removed: nil, changed: "pgcutover_changed", added: nil, mayCreate: false)))"
            return finish([lock] + assignment + [changed, back], result: "pgcutover_changed", returning: returning, exposed: exposed, verb: .update)
        }
        // The places rows move to are locked too before their keys are checked.
        let destination = writes.lockedRows(
            "pgcutover_destination",
            where: ["cv.\(SQLText.identifier(table.joinTarget)) IN (SELECT c.\(join) FROM pgcutover_changed AS c)"])
        let removed = "pgcutover_removed AS (SELECT c.pgcutover_old_join AS \(join), c.pgcutover_old_key AS \(key)"
            + " FROM pgcutover_changed AS c)"
        // The legacy UPDATE checks the unique key row by row, as it stores each row's new version:
        // a row's new key collides with the old key of a row not yet processed (its holder, unless
        // that is the row itself) and with the new key of a row already processed. A holder that
        // was processed first and moved away has freed its key. Rows are processed here in `id`
        // order (`pgcutover_step`), the heap order of a table loaded in id order: every cycle of
        // moves is refused (its first row meets the next one's key still in place), a chain
        // succeeds only when each holder comes first. Set-based: if the holder's own move fails,
        // the statement fails with it.
        let order = (Self.scanOrderColumn(table) == nil ? [] : ["c.pgcutover_old_id"])
            + ["c.pgcutover_old_join", "c.pgcutover_old_key"]
        let steps = "pgcutover_steps AS (SELECT c.*, row_number() OVER (ORDER BY \(order.joined(separator: ", ")))"
            + " AS pgcutover_step FROM pgcutover_changed AS c)"
        let movedAway = "(s.\(join), s.\(key)) IS DISTINCT FROM (s.pgcutover_old_join, s.pgcutover_old_key)"
        let freed = "EXISTS (SELECT 1 FROM pgcutover_steps AS s WHERE s.pgcutover_old_join = c.\(join)"
            + " AND s.pgcutover_old_key = c.\(key) AND (s.pgcutover_step = c.pgcutover_step"
            + " OR (s.pgcutover_step < c.pgcutover_step AND \(movedAway))))"
        let takenEarlier = "EXISTS (SELECT 1 FROM pgcutover_steps AS q WHERE q.\(join) = c.\(join) AND q.\(key) = c.\(key)"
            + " AND q.pgcutover_step < c.pgcutover_step)"
        let checks = [
            writes.check("NOT (\(writes.keyExists("c", in: "pgcutover_destination")) AND NOT \(freed))", raising: writes.uniqueViolation("c")),
            writes.check("NOT \(takenEarlier)", raising: writes.uniqueViolation("c")),
        ]
        let names = table.columns.map { "c.\(SQLText.identifier($0.name))" }.joined(separator: ", ")
        // The checks run row by row in step order, so the error is that of the first row the
        // legacy scan would have refused: a filter above a sorted subquery is evaluated in its
        // order (a volatile condition is never pushed below the sort).
        let added = "pgcutover_added AS (SELECT \(names) FROM (SELECT * FROM pgcutover_steps ORDER BY pgcutover_step) AS c"
            + " WHERE \(FoldWrites.inOrder(checks)))"
        let back = "pgcutover_write AS (\(writes.writeBack(removed: "pgcutover_removed", changed: nil, added: "pgcutover_added", mayCreate: true, conflict: uniqueConflict)))"
        return finish([lock] + assignment + [changed, destination, removed, steps, added, back], result: "pgcutover_added", returning: returning, exposed: exposed, verb: .update)
    }

    // MARK: INSERT

    private func insert(_ write: LegacyWrite, from start: Int, exposed: String) throws(RewriteError) -> (String, CommandTagRule) {
        let tokens = statement.tokens
        var cursor = start
        var columnNames = table.columns.map(\.name)
        if write.fields["cols"]?.array?.isEmpty ?? true, let count = Self.sourceWidth(write.fields["selectStmt"]),
            count < columnNames.count
        {
            // Without a column list, a shorter VALUES row fills the leading columns.
            columnNames = Array(columnNames.prefix(count))
        }
        var columnList: Range<Int>?
        if let cols = write.fields["cols"]?.array, !cols.isEmpty {
            columnNames = []
            for col in cols {
                guard let target = ReferenceFinder.unwrap(col)?.fields, let name = target["name"]?.string,
                    target["indirection"] == nil
                else {
                    throw .unsupported("INSERT into a column subscript or field", table: table.name)
                }
                guard table.column(named: name) != nil else { throw Self.undefinedColumn(name, table: table) }
                columnNames.append(name)
            }
            guard let list = statement.parenthesized(after: cursor - 1) else {
                throw .unsupported("this INSERT column list", table: table.name)
            }
            columnList = list.outer
            cursor = statement.firstToken(atOrAfter: list.outer.upperBound)
        }
        guard cursor < tokens.count, !statement.isKeyword(cursor, "overriding") else {
            throw .unsupported("INSERT … OVERRIDING", table: table.name)
        }
        let clauses = depthZero(["on", "returning"], from: cursor)
        let ends = clauses.map(\.start) + [range.upperBound]
        let sourceEnd = ends.min() ?? range.upperBound
        let returning = span(of: "returning", in: clauses, ends: ends)

        var source: String
        var assignment: [String] = []
        if write.fields["selectStmt"] == nil {
            source = "SELECT"  // DEFAULT VALUES: one row, every column from its default
            columnNames = []
        } else {
            assignment = insertAssignmentCheck(columnList, source: tokens[cursor].start..<sourceEnd)
            let defaults = try defaultEdits(write, columns: columnNames)
            source = try typedValues(from: cursor, to: sourceEnd, columns: columnNames, defaults: defaults)
                ?? render(tokens[cursor].start..<sourceEnd, extra: defaults)
        }
        let inputColumns = columnNames.map(SQLText.identifier).joined(separator: ", ")
        let input = columnNames.isEmpty
            ? "pgcutover_input AS (\(source))" : "pgcutover_input(\(inputColumns)) AS (\(source))"
        let proposedColumns = table.columns.map { column -> String in
            let value: String
            if columnNames.contains(column.name) {
                value = "i.\(SQLText.identifier(column.name))"
            } else {
                value = column.defaultSQL ?? "NULL"
            }
            return "CAST((\(value)) AS \(column.sqlType)) AS \(SQLText.identifier(column.name))"
        }
        // The ordinal keeps the client's row order for ON CONFLICT DO NOTHING (first row wins).
        let proposed = "pgcutover_proposed AS (SELECT \(proposedColumns.joined(separator: ", ")),"
            + " row_number() OVER () AS pgcutover_ord FROM pgcutover_input AS i)"
        let legacyColumns = table.columns.map { "p.\(SQLText.identifier($0.name))" }.joined(separator: ", ")
        let notNull = writes.notNullChecks("p", columns: table.columns)

        let lock = writes.lockedRows(
            Self.locked,
            where: ["cv.\(SQLText.identifier(table.joinTarget)) IN (SELECT p.\(SQLText.identifier(table.joinColumn)) FROM pgcutover_proposed AS p)"])
        var ctes = assignment + [input, proposed, lock]
        // A key inserted concurrently into a target row created after the snapshot: for a plain
        // INSERT the legacy 23505; DO NOTHING leaves the row out as the legacy statement did; DO
        // UPDATE would have updated the concurrent row, which the write-back can no longer do, so
        // it fails as a serialization failure the client can retry.
        var conflictAtWrite = uniqueConflict
        var changed: String?
        let conflict = write.fields["onConflictClause"]?.object
        switch conflict?["action"]?.string {
        case nil:
            let checks = notNull + [
                writes.check("NOT \(writes.keyExists("p", in: Self.locked))", raising: writes.uniqueViolation("p")),
                writes.check("\(writes.sameKeyCount(in: "pgcutover_proposed", as: "p")) = 1", raising: writes.uniqueViolation("p")),
            ]
            ctes.append("pgcutover_added AS (SELECT \(legacyColumns) FROM pgcutover_proposed AS p WHERE \(FoldWrites.inOrder(checks)))")
        case "ONCONFLICT_NOTHING"?:
            try checkConflictTarget(conflict ?? JSONObject(), required: false)
            let firstOfKey = "p.pgcutover_ord = (SELECT min(q.pgcutover_ord) FROM pgcutover_proposed AS q"
                + " WHERE q.\(SQLText.identifier(table.joinColumn)) = p.\(SQLText.identifier(table.joinColumn))"
                + " AND q.\(SQLText.identifier(table.keyColumn)) = p.\(SQLText.identifier(table.keyColumn)))"
            let conditions = notNull + ["NOT \(writes.keyExists("p", in: Self.locked))", firstOfKey]
            ctes.append("pgcutover_added AS (SELECT \(legacyColumns) FROM pgcutover_proposed AS p WHERE \(FoldWrites.inOrder(conditions)))")
            conflictAtWrite = .skip
        case "ONCONFLICT_UPDATE"?:
            try checkConflictTarget(conflict ?? JSONObject(), required: true)
            let once = writes.check(
                "\(writes.sameKeyCount(in: "pgcutover_proposed", as: "p")) = 1",
                raising: LegacyError(
                    sqlState: "21000", message: "ON CONFLICT DO UPDATE command cannot affect row a second time",
                    hint: "Ensure that no rows proposed for insertion within the same command have duplicate constrained values."))
            ctes.append("pgcutover_checked AS (SELECT * FROM pgcutover_proposed AS p WHERE \(FoldWrites.inOrder(notNull + [once])))")
            ctes.append("pgcutover_added AS (SELECT \(legacyColumns) FROM pgcutover_checked AS p WHERE NOT \(writes.keyExists("p", in: Self.locked)))")
            ctes += try conflictUpdate(conflict ?? JSONObject(), from: sourceEnd, exposed: exposed)
            changed = "pgcutover_changed"
            conflictAtWrite = concurrentInsertConflict
        default:
            throw .unsupported("this ON CONFLICT action", table: table.name)
        }
        let skips = if case .skip = conflictAtWrite { true } else { false }
        ctes.append("pgcutover_write AS (\(writes.writeBack(removed: nil, changed: changed, added: "pgcutover_added", mayCreate: true, conflict: conflictAtWrite, returning: skips)))")
        var result = "pgcutover_added"
        if skips {
            ctes.append("pgcutover_applied AS (\(writes.applied("pgcutover_added", written: "pgcutover_write")))")
            result = "pgcutover_applied"
        }
        if let changed {
            let names = table.columns.map { SQLText.identifier($0.name) }.joined(separator: ", ")
            ctes.append("pgcutover_result AS (SELECT \(names) FROM pgcutover_added UNION ALL SELECT \(names) FROM \(changed))")
            result = "pgcutover_result"
        }
        return finish(ctes, result: result, returning: returning, exposed: exposed, verb: .insert)
    }

    /// `DO UPDATE SET … [WHERE …]`: the statement's expressions see the existing row under the
    /// target's name and the proposed row as `excluded`, exactly as in Postgres.
    private func conflictUpdate(_ clause: JSONObject, from start: Int, exposed: String) throws(RewriteError) -> [String] {
        let startIndex = statement.firstToken(atOrAfter: start)
        let clauses = depthZero(["set", "where", "returning"], from: startIndex)
        let ends = clauses.map(\.start) + [range.upperBound]
        guard let setList = span(of: "set", in: clauses, ends: ends) else {
            throw .unsupported("this ON CONFLICT form", table: table.name)
        }
        let condition = clause["whereClause"] == nil ? nil : span(of: "where", in: clauses, ends: ends)
        let assigned = try assignments(clause["targetList"], in: setList, verb: "ON CONFLICT DO UPDATE")
        let join = SQLText.identifier(table.joinColumn)
        let key = SQLText.identifier(table.keyColumn)
        let rows = lockedFold.sql(where: [
            "cv.\(SQLText.identifier(table.joinTarget)) IN (SELECT c.\(join) FROM pgcutover_checked AS c)"
        ])
        var select = "SELECT \(columns(assigned, base: exposed)) FROM pgcutover_checked AS excluded"
            + " JOIN \(rows) AS \(exposed) ON \(exposed).\(join) = excluded.\(join) AND \(exposed).\(key) = excluded.\(key)"
        if let condition { select += " WHERE " + render(condition) }
        return assignmentCheck(setList, excluded: true, exposed: exposed)
            + ["pgcutover_changed AS (\(checked(select, assigned: assigned, exposed: exposed)))"]
    }

    /// `pgcutover_assigned`: the client's SET list, with its FROM and WHERE, as an UPDATE of the
    /// table's assignment table (the legacy column names and types, no rows) under the target's
    /// name, joined with a relation that has no rows so it touches nothing (the planner proves the
    /// join empty and runs no part of it). The server analyses it as it analysed the legacy UPDATE
    /// (FROM, WHERE, then SET with the assignment rules; ON CONFLICT's `excluded` is another row of
    /// the same shape), so a SET value the legacy table refused (42804) is refused here with the
    /// same error, and untyped `$n` take their types from the assignments first. The client's
    /// WHERE stays a WHERE of its own (not `… AND false`), so a WHERE that is not boolean fails with
    /// the legacy message. The values themselves come from `pgcutover_changed`'s CAST, which is the
    /// same conversion for every value the assignment accepts.
    private func assignmentCheck(
        _ setList: Range<Int>, from: Range<Int>? = nil, condition: Range<Int>? = nil, excluded: Bool = false, exposed: String
    ) -> [String] {
        guard let assignmentTable = table.assignmentTable else { return [] }
        var sources = from.map { [render($0)] } ?? []
        if excluded { sources.append("\(assignmentTable) AS excluded") }
        sources.append("(SELECT WHERE false) AS pgcutover_no_rows")
        var update = "pgcutover_assigned AS (UPDATE \(assignmentTable) AS \(exposed) SET \(render(setList))"
            + " FROM " + sources.joined(separator: ", ")
        if let condition { update += " WHERE " + render(condition) }
        return [update + ")"]
    }

    /// `pgcutover_assigned_input`: the client's column list and VALUES or SELECT, as an INSERT into
    /// the table's insert check view (the legacy column names and types). The server analyses it as
    /// it analysed the legacy INSERT (target columns, then each VALUES row or the SELECT's columns,
    /// with untyped literals and `$n` still untyped, converted with the assignment rules), so a value
    /// the legacy table refused (42804) is refused here with the same error, and untyped `$n` take
    /// their types from the assignments first. The view's rule makes the INSERT a SELECT of nothing
    /// that nothing reads, so the planner drops it: no item is evaluated here (volatile ones run
    /// once, in `pgcutover_input`) and nothing is stored. `DEFAULT` stays `DEFAULT` (the view's
    /// columns have none; it is never evaluated). The values themselves come from the CASTs of
    /// `pgcutover_input` and `pgcutover_proposed`, the same conversion for every value the
    /// assignment accepts.
    private func insertAssignmentCheck(_ columnList: Range<Int>?, source: Range<Int>) -> [String] {
        guard let view = table.insertCheckView else { return [] }
        let columns = columnList.map { " " + render($0) } ?? ""
        return ["pgcutover_assigned_input AS (INSERT INTO \(view)\(columns) \(render(source)))"]
    }

    private func checkConflictTarget(_ clause: JSONObject, required: Bool) throws(RewriteError) {
        let infer = clause["infer"]?.object
        if let constraint = infer?["conname"]?.string {
            guard constraint == table.uniqueConstraint else {
                throw .unsupported("ON CONFLICT ON CONSTRAINT \(constraint)", table: table.name)
            }
            return
        }
        let elements = (infer?["indexElems"]?.array ?? []).compactMap { ReferenceFinder.unwrap($0)?.fields["name"]?.string }
        if elements.isEmpty, !required, infer == nil { return }
        guard infer?["whereClause"] == nil, Set(elements) == [table.joinColumn, table.keyColumn], elements.count == 2 else {
            throw .unsupported("ON CONFLICT (\(elements.joined(separator: ", "))) (only the unique key is)", table: table.name)
        }
    }

    // MARK: Pieces

    /// The legacy column whose order a legacy UPDATE's sequential scan follows in a table loaded in
    /// that order: `id`, when the table has one.
    private static func scanOrderColumn(_ table: LegacyTable) -> String? {
        table.column(named: "id") == nil ? nil : "id"
    }

    /// Raised from the write-back, where the added row is `n`.
    private var uniqueConflict: FoldWrites.AddedKeyConflict {
        .raise(writes.uniqueViolation("n"))
    }

    private var concurrentInsertConflict: FoldWrites.AddedKeyConflict {
        .raise(
            LegacyError(
                sqlState: "40001",
                message: "could not serialize access due to concurrent insert of the same \(table.name) key"))
    }

    /// `SET col = expr, …`: each assigned legacy column with the client's expression text.
    private func assignments(
        _ targetList: JSON?, in setList: Range<Int>, verb: String, allowKeys: Bool = false
    ) throws(RewriteError) -> [String: String] {
        let targets = (targetList?.array ?? []).compactMap { ReferenceFinder.unwrap($0)?.fields }
        let items = split(setList)
        guard items.count == targets.count else { throw .unsupported("this SET list", table: table.name) }
        var assigned: [String: String] = [:]
        for (target, item) in zip(targets, items) {
            guard let name = target["name"]?.string, target["indirection"] == nil,
                let value = target["val"], let (valueType, _) = ReferenceFinder.unwrap(value), valueType != "MultiAssignRef"
            else {
                throw .unsupported("SET of a subscript, field or (column list)", table: table.name)
            }
            guard let column = table.column(named: name) else { throw Self.undefinedColumn(name, table: table) }
            guard allowKeys || (name != table.keyColumn && name != table.joinColumn) else {
                throw .unsupported("\(verb) of \(name), which places the row in the fold", table: table.name)
            }
            if valueType == "SetToDefault" {
                assigned[name] = column.defaultSQL ?? "NULL"
                continue
            }
            guard let equals = depthZero(["="], from: item.first, to: item.last).first else {
                throw .unsupported("this SET item", table: table.name)
            }
            assigned[name] = render(statement.tokens[equals.index].end..<statement.tokens[item.last].end)
        }
        return assigned
    }

    /// The legacy columns in order: assigned ones from their expression (as the column's type),
    /// the others from `base`.
    private func columns(_ assigned: [String: String], base: String) -> String {
        table.columns.map { column in
            let name = SQLText.identifier(column.name)
            if let expression = assigned[column.name] {
                return "CAST((\(expression)) AS \(column.sqlType)) AS \(name)"
            }
            return "\(base).\(name)"
        }.joined(separator: ", ")
    }

    /// Wraps a row-producing SELECT with the NOT NULL checks of the columns it assigns.
    private func checked(_ select: String, assigned: [String: String], exposed: String) -> String {
        let checks = writes.notNullChecks(exposed, columns: table.columns.filter { assigned[$0.name] != nil })
        guard !checks.isEmpty else { return select }
        return "SELECT * FROM (\(select)) AS \(exposed) WHERE \(FoldWrites.inOrder(checks))"
    }

    /// How many columns an INSERT source provides, when the tree says so without expanding `*`.
    private static func sourceWidth(_ source: JSON?) -> Int? {
        guard let select = source.flatMap(ReferenceFinder.unwrap)?.fields else { return nil }
        if let first = select["valuesLists"]?.array?.first {
            return ReferenceFinder.unwrap(first)?.fields["items"]?.array?.count
        }
        guard let targets = select["targetList"]?.array else { return nil }
        let star = targets.contains { target in
            let value = ReferenceFinder.unwrap(target)?.fields["val"].flatMap(ReferenceFinder.unwrap)
            return value?.type == "ColumnRef"
                && (value?.fields["fields"]?.array?.contains { ReferenceFinder.unwrap($0)?.type == "A_Star" } ?? false)
        }
        return star ? nil : targets.count
    }

    /// A plain `VALUES (…), (…)` list with every item cast to its column's type, so that `$n`
    /// parameters get the types the legacy INSERT gave them (a CTE's VALUES alone would make an
    /// untyped parameter `text`). Nil when the source is not a plain VALUES list.
    private func typedValues(
        from start: Int, to end: Int, columns: [String], defaults: [TextEdit]
    ) throws(RewriteError) -> String? {
        let tokens = statement.tokens
        guard start < tokens.count, statement.isKeyword(start, "values") else { return nil }
        let types = columns.map { Array((") AS " + (table.column(named: $0)?.sqlType ?? "text") + ")").utf8) }
        // One buffer grown in place: a batch of hundreds of rows would otherwise make a string
        // per item, per row and per join. Items with no edit inside are the client's bytes, unless
        // positions are being marked (an error's position is mapped back through `render`).
        let plain = readEdits.isEmpty && defaults.isEmpty && !statement.marksPositions
        var values: [UInt8] = Array("VALUES ".utf8)
        values.reserveCapacity(3 * (end - tokens[start].start))
        var rows = 0
        var index = start + 1
        while index < tokens.count, tokens[index].start < end {
            guard let group = statement.parenthesized(after: index - 1) else { return nil }
            let items = split(group.inner)
            guard items.count == columns.count else { return nil }
            values.append(contentsOf: rows == 0 ? "(".utf8 : ", (".utf8)
            for (position, (item, type)) in zip(items, types).enumerated() {
                values.append(contentsOf: position == 0 ? "CAST((".utf8 : ", CAST((".utf8)
                let range = tokens[item.first].start..<tokens[item.last].end
                if plain {
                    values.append(contentsOf: statement.text[range])
                } else {
                    values.append(contentsOf: render(range, extra: defaults).utf8)
                }
                values.append(contentsOf: type)
            }
            values.append(UInt8(ascii: ")"))
            rows += 1
            index = statement.firstToken(atOrAfter: group.outer.upperBound)
            guard index < tokens.count, tokens[index].start < end else { break }
            guard statement.isCharacter(index, ",") else { return nil }
            index += 1
        }
        return rows == 0 ? nil : String(decoding: values, as: UTF8.self)
    }

    /// `DEFAULT` inside VALUES becomes the column's default (a CTE's VALUES has no column defaults).
    private func defaultEdits(_ write: LegacyWrite, columns: [String]) throws(RewriteError) -> [TextEdit] {
        guard let select = (write.fields["selectStmt"]).flatMap(ReferenceFinder.unwrap)?.fields,
            let lists = select["valuesLists"]?.array
        else { return [] }
        var edits: [TextEdit] = []
        for list in lists {
            let items = ReferenceFinder.unwrap(list)?.fields["items"]?.array ?? []
            for (position, item) in items.enumerated() {
                guard let (type, fields) = ReferenceFinder.unwrap(item), type == "SetToDefault" else { continue }
                guard position < columns.count, let location = fields["location"]?.int,
                    let index = statement.tokenIndex(startingAt: location)
                else {
                    throw .unsupported("DEFAULT in this position", table: table.name)
                }
                let value = table.column(named: columns[position])?.defaultSQL ?? "NULL"
                let token = statement.tokens[index]
                edits.append(TextEdit(range: token.start..<token.end, replacement: value))
            }
        }
        return edits
    }

    private func finish(
        _ ctes: [String], result: String, returning: Range<Int>?, exposed: String, verb: CommandTagRule.LegacyVerb
    ) -> (String, CommandTagRule) {
        let body = ctes.joined(separator: ", ")
        if let returning {
            return ("\(body) SELECT \(render(returning)) FROM \(result) AS \(exposed)", .renameSelect(verb))
        }
        return ("\(body) SELECT count(*) FROM \(result)", .countFromResult(verb))
    }

    private static func undefinedColumn(_ name: String, table: LegacyTable) -> RewriteError {
        RewriteError(sqlState: "42703", message: "column \"\(name)\" of relation \"\(table.name)\" does not exist")
    }

    // MARK: Tokens

    private func render(_ range: Range<Int>, extra: [TextEdit] = []) -> String {
        statement.render(range, edits: extra.isEmpty ? readEdits : readEdits + extra)
    }

    private func span(of keyword: String, in clauses: [(keyword: String, index: Int, start: Int)], ends: [Int]) -> Range<Int>? {
        guard let clause = clauses.first(where: { $0.keyword == keyword }) else { return nil }
        let tokens = statement.tokens
        let start = clause.index + (keyword == "on" ? 2 : 1)
        guard start < tokens.count else { return nil }
        let end = ends.filter { $0 > clause.start }.min() ?? range.upperBound
        return tokens[start].start..<max(tokens[start].start, end)
    }

    /// The first occurrence of each keyword outside parentheses and brackets, from token `first`
    /// to `last` (inclusive) or the statement's end. `on` counts only as `ON CONFLICT`; `from`
    /// not in `IS [NOT] DISTINCT FROM`.
    private func depthZero(_ keywords: [String], from first: Int, to last: Int? = nil) -> [(keyword: String, index: Int, start: Int)] {
        let tokens = statement.tokens
        var found: [(keyword: String, index: Int, start: Int)] = []
        var depth = 0
        var index = first
        while index < tokens.count, tokens[index].end <= range.upperBound, index <= (last ?? Int.max) {
            let kind = tokens[index].kind
            if kind == ScannedToken.openParen || kind == ScannedToken.openBracket {
                depth += 1
            } else if kind == ScannedToken.closeParen || kind == ScannedToken.closeBracket {
                depth -= 1
            } else if depth == 0, !(index > 0 && tokens[index - 1].kind == ScannedToken.dot) {
                // After a `.` a word is part of a name, even a reserved one: `USING excluded.returning`
                // names a table, and its RETURNING is no clause.
                for keyword in keywords where !found.contains(where: { $0.keyword == keyword }) {
                    let matches = keyword == "=" ? statement.isCharacter(index, "=") : statement.isKeyword(index, keyword)
                    guard matches else { continue }
                    if keyword == "on", !(index + 1 < tokens.count && statement.isKeyword(index + 1, "conflict")) { continue }
                    if keyword == "from", index > 0, statement.isKeyword(index - 1, "distinct") { continue }
                    found.append((keyword, index, tokens[index].start))
                }
            }
            index += 1
        }
        return found
    }

    /// The items of a comma-separated list, as token index ranges.
    private func split(_ list: Range<Int>) -> [(first: Int, last: Int)] {
        let tokens = statement.tokens
        let first = statement.firstToken(atOrAfter: list.lowerBound)
        var items: [(first: Int, last: Int)] = []
        var depth = 0
        var itemStart = first
        var index = first
        while index < tokens.count, tokens[index].end <= list.upperBound {
            let kind = tokens[index].kind
            if kind == ScannedToken.openParen || kind == ScannedToken.openBracket { depth += 1 }
            if kind == ScannedToken.closeParen || kind == ScannedToken.closeBracket { depth -= 1 }
            if depth == 0, statement.isCharacter(index, ",") {
                items.append((itemStart, index - 1))
                itemStart = index + 1
            }
            index += 1
        }
        if index > itemStart { items.append((itemStart, index - 1)) }
        return items
    }
}
