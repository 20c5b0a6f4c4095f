/// SQL fragments that write legacy rows back into a fold: the JSON of one row, the container of
/// one target row rebuilt without removed rows, with changed rows replaced and added rows added,
/// and the constraint checks the fold cannot express itself.
/// Row sets are named CTEs whose columns are the legacy columns.
struct FoldWrites {
    let table: LegacyTable
    let mapping: Mapping
    /// The target row being written, inside `UPDATE target AS cv` or `INSERT INTO target AS cv`.
    let cv = "cv"

    private var container: String { SQLText.identifier(table.container) }
    private var join: String { SQLText.identifier(table.joinColumn) }
    private var key: String { SQLText.identifier(table.keyColumn) }
    private var joinTarget: String { "\(cv).\(SQLText.identifier(table.joinTarget))" }

    /// The element of a legacy row `r` as stored in the fold: `to_jsonb` of each member column.
    func elementJSON(_ r: String) -> String {
        let members = table.columns.compactMap { column -> String? in
            guard case .member(let jsonKey) = column.source else { return nil }
            return "\(SQLText.literal(jsonKey)), \(r).\(SQLText.identifier(column.name))"
        }
        return "jsonb_build_object(\(members.joined(separator: ", ")))"
    }

    /// The key of element `e` (from `expansion`), as the legacy key column's value.
    private func elementKey(_ e: String) -> String {
        switch table.column(named: table.keyColumn)?.source {
        case .member(let jsonKey)?:
            return "(\(e).value->>\(SQLText.literal(jsonKey)))::\(table.column(named: table.keyColumn)?.sqlType ?? "text")"
        default:
            return "\(e).key"
        }
    }

    /// What to do when an added row's key is already in the container the write-back finds: it
    /// can only be there when a concurrent transaction created the target row after this
    /// statement's snapshot (rows that existed were locked and checked before), so the write
    /// raises or leaves the row out instead of overwriting.
    enum AddedKeyConflict {
        case raise(LegacyError)
        /// ON CONFLICT DO NOTHING: the row is not added, as the legacy statement would not have
        /// added it; `applied` then reports only the rows that were.
        case skip
    }

    /// The container's new value for the target row whose join value is `holder`, given its
    /// current value `current`. With `conflict`, an added key already in `current` (and not
    /// removed by this statement) raises or is left out.
    func rebuilt(
        current: String, holder: String? = nil, removed: String?, changed: String?, added: String?,
        conflict: AddedKeyConflict? = nil
    ) -> String {
        let holder = holder ?? joinTarget
        let rowOf = { (r: String) in "\(r).\(self.join) = \(holder)" }
        let matches = { (set: String, e: String) in
            "SELECT 1 FROM \(set) AS r WHERE \(rowOf("r")) AND r.\(self.key) = \(self.elementKey(e))"
        }
        var addedGuard = ""
        if let conflict {
            var free = "NOT COALESCE(\(hasKey(in: current, "n")), false)"
            if let removed {
                free += " OR EXISTS (SELECT 1 FROM \(removed) AS r WHERE r.\(join) = n.\(join) AND r.\(key) = n.\(key))"
            }
            switch conflict {
            case .raise(let error): addedGuard = " AND " + check(free, raising: error)
            case .skip: addedGuard = " AND (\(free))"
            }
        }
        let dropped = [removed, changed].compactMap { $0 }.map { "NOT EXISTS (\(matches($0, "e")))" }
        let keep = dropped.isEmpty ? "" : " WHERE " + dropped.joined(separator: " AND ")
        switch table.kind {
        case .keyedObject:
            var parts = [
                "SELECT e.key AS k, e.value AS v FROM jsonb_each(COALESCE(\(current), '{}'::jsonb)) AS e(key, value)\(keep)"
            ]
            if let changed {
                parts.append("SELECT n.\(key), \(elementJSON("n")) FROM \(changed) AS n WHERE \(rowOf("n"))")
            }
            if let added {
                parts.append("SELECT n.\(key), \(elementJSON("n")) FROM \(added) AS n WHERE \(rowOf("n"))\(addedGuard)")
            }
            return "(SELECT jsonb_object_agg(x.k, x.v) FROM (\(parts.joined(separator: " UNION ALL "))) AS x)"
        case .keyedArray:
            // Changed elements are replaced in place, removed ones dropped, added ones appended.
            var value = "e.value"
            if let changed {
                value = "COALESCE((SELECT \(elementJSON("n")) FROM \(changed) AS n WHERE \(rowOf("n"))"
                    + " AND n.\(key) = \(elementKey("e"))), e.value)"
            }
            let keepArray = removed.map { " WHERE NOT EXISTS (\(matches($0, "e")))" } ?? ""
            var parts = [
                "SELECT \(value) AS v, 0 AS o, e.n FROM jsonb_array_elements(COALESCE(\(current), '[]'::jsonb))"
                    + " WITH ORDINALITY AS e(value, n)\(keepArray)"
            ]
            if let added {
                parts.append("SELECT \(elementJSON("n")), 1, n.id FROM \(added) AS n WHERE \(rowOf("n"))\(addedGuard)")
            }
            // Ordered by id as the migration wrote it, whatever order rows arrive or move in.
            return "(SELECT jsonb_agg(x.v ORDER BY (x.v->>'id')::integer, x.o, x.n)"
                + " FROM (\(parts.joined(separator: " UNION ALL "))) AS x)"
        }
    }

    /// Writes the rebuilt containers of the target rows holding rows of `sets`; creates target
    /// rows for words that have none (`new_target_row` policy) when `mayCreate`.
    /// The container expression reads the target row's newest version (the UPDATE re-reads a row
    /// changed since the snapshot, ON CONFLICT reads the conflicting row), which is the version
    /// the statement locked and read its legacy rows from. `conflict`: see `AddedKeyConflict`.
    /// `returning`: each written target row's join value and new container, for `applied`.
    func writeBack(
        removed: String?, changed: String?, added: String?, mayCreate: Bool, conflict: AddedKeyConflict? = nil,
        returning: Bool = false
    ) -> String {
        let sets = [removed, changed, added].compactMap { $0 }
        let words = sets.map { "SELECT DISTINCT s.\(join) FROM \($0) AS s" }.joined(separator: " UNION ")
        let target = mapping.targetTable
        let newValue = rebuilt(
            current: "\(cv).\(container)", removed: removed, changed: changed, added: added, conflict: conflict)
        guard mayCreate else {
            return "UPDATE \(target) AS \(cv) SET \(container) = \(newValue) WHERE \(joinTarget) IN (\(words))"
        }
        // One INSERT … ON CONFLICT per word: a new word gets its target row, an existing one is
        // updated; the rebuilt value is computed for both from the conflicting row (NULL if new).
        let extra = mapping.newTargetRow
        let columns = [SQLText.identifier(table.joinTarget)] + extra.map { SQLText.identifier($0.column) } + [container]
        let values = ["w.\(join)"] + extra.map(\.value) + ["NULL::jsonb"]
        let created = rebuilt(current: "NULL::jsonb", holder: "w.\(join)", removed: nil, changed: nil, added: added)
        var insertValues = values
        insertValues[insertValues.count - 1] = created
        return "INSERT INTO \(target) AS \(cv) (\(columns.joined(separator: ", "))) SELECT "
            + insertValues.joined(separator: ", ") + " FROM (\(words)) AS w" + missingTargetRowGuard(word: "w.\(join)")
            + " ON CONFLICT (\(SQLText.identifier(table.joinTarget))) DO UPDATE SET \(container) = \(newValue)"
            + (returning ? " RETURNING \(joinTarget) AS pgcutover_word, \(cv).\(container) AS pgcutover_container" : "")
    }

    /// Under `missing_target_row = "refuse"`, a WHERE that raises for a word with no target row.
    /// It filters the words the INSERT reads, one by one, so it runs for each of them even when
    /// none has a row (a check joined beside the target rows would then never run).
    private func missingTargetRowGuard(word: String) -> String {
        guard mapping.missingTargetRow == .refuse else { return "" }
        let target = mapping.targetTable
        let condition = "EXISTS (SELECT 1 FROM \(target) AS t WHERE t.\(SQLText.identifier(table.joinTarget)) = \(word))"
        let detail = "CASE WHEN \(condition) THEN NULL ELSE 'Key (\(table.joinColumn))=(' || \(word) || ') is not present in table "
            + "\"\(target)\".' END"
        let error = LegacyError(
            sqlState: "23503",
            message: "\(table.name) has no \(target) row for this \(table.joinColumn), and the mapping refuses to create one",
            detail: detail,
            hint: "Create the \(target) row first, or set missing_target_row = \"create\" in the mapping.",
            table: table.name, column: table.joinColumn)
        return " WHERE \(check(condition, raising: error))"
    }

    /// The rows of `added` that the write-back `written` (with `returning`) really stored: their
    /// element is in the new container exactly. A row left out (`.skip`) is not, since the
    /// element there is the concurrent transaction's, with its own id.
    func applied(_ added: String, written: String) -> String {
        let element = elementJSON("a")
        let holds: String
        switch table.kind {
        case .keyedObject: holds = "w.pgcutover_container -> a.\(key) = \(element)"
        case .keyedArray: holds = "w.pgcutover_container @> jsonb_build_array(\(element))"
        }
        return "SELECT a.* FROM \(added) AS a WHERE EXISTS (SELECT 1 FROM \(written) AS w"
            + " WHERE w.pgcutover_word = a.\(join) AND \(holds))"
    }

    /// `check(ok, sqlstate, message, …)`, raising the legacy table's own error when not ok: the
    /// 3-argument form (migration 0020) for an error with no other field, else the 9-argument one
    /// (0040) with DETAIL, HINT and the schema, table, column and constraint fields.
    func check(_ condition: String, raising error: LegacyError) -> String {
        var arguments = [condition, SQLText.literal(error.sqlState), SQLText.literal(error.message)]
        if !error.isBare {
            let text = { (value: String?) in value.map(SQLText.literal) ?? "NULL" }
            arguments += [
                error.detail ?? "NULL", text(error.hint), text(error.table.map { _ in LegacyTable.schema }),
                text(error.table), text(error.column), text(error.constraint),
            ]
        }
        return "\(mapping.checkFunction)(\(arguments.joined(separator: ", ")))"
    }

    /// `conditions` as one WHERE condition evaluated left to right: the planner orders the items of
    /// a WHERE list by cost, and the checks must raise in the legacy order (NOT NULL before the
    /// unique key, as the server checks a row), whatever their DETAIL expressions cost. An AND
    /// under `IS TRUE` is one item, evaluated in order, and filters exactly as the list would.
    static func inOrder(_ conditions: [String]) -> String {
        conditions.count < 2 ? conditions.joined() : "(\(conditions.joined(separator: " AND "))) IS TRUE"
    }

    func notNullChecks(_ r: String, columns: [LegacyColumn]) -> [String] {
        columns.filter(\.notNull).map { column in
            let condition = "\(r).\(SQLText.identifier(column.name)) IS NOT NULL"
            // The row text is built only for the row that fails.
            let detail = "CASE WHEN \(condition) THEN NULL ELSE \(failingRow(r)) END"
            return check(
                condition,
                raising: LegacyError(
                    sqlState: "23502",
                    message: "null value in column \"\(column.name)\" of relation \"\(table.name)\" violates not-null constraint",
                    detail: detail, table: table.name, column: column.name))
        }
    }

    /// The server's DETAIL for a row that violates a NOT NULL constraint: every column of the row
    /// in table order, as its type's text output, NULL as `null`, a value longer than 64 bytes cut
    /// to at most 64 bytes of whole characters followed by `...` (ExecBuildSlotValueDescription).
    func failingRow(_ r: String) -> String {
        let values = table.columns.map { "(\(r).\(SQLText.identifier($0.name)))::text" }.joined(separator: ", ")
        let cut = "(SELECT left(u.v, n) FROM generate_series(64, 1, -1) AS n WHERE octet_length(left(u.v, n)) <= 64 LIMIT 1)"
        let shown = "COALESCE(CASE WHEN octet_length(u.v) <= 64 THEN u.v ELSE \(cut) || '...' END, 'null')"
        return "(SELECT 'Failing row contains (' || string_agg(\(shown), ', ' ORDER BY u.o) || ').'"
            + " FROM unnest(ARRAY[\(values)]) WITH ORDINALITY AS u(v, o))"
    }

    /// A CTE `name` that locks the target rows matching `conditions` (on `cv`) and exposes their
    /// join target and container. In READ COMMITTED a locking read waits for a concurrent writer
    /// of the row, then returns its newest version if it still matches: every container a write
    /// reads comes from here, so it is the one it writes back, and no other writer can change it
    /// before this transaction ends. MATERIALIZED keeps it one scan however often it is read.
    func lockedRows(_ name: String, where conditions: [String]) -> String {
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return "\(name) AS MATERIALIZED (SELECT \(joinTarget), \(cv).\(container) FROM \(mapping.targetTable) AS \(cv)"
            + "\(filter) FOR NO KEY UPDATE OF \(cv))"
    }

    /// The condition that the container holds a target row with at least one legacy row.
    var containerPresent: String { "\(cv).\(container) IS NOT NULL" }

    /// The legacy row `r`'s key is in the container value `value`.
    func hasKey(in value: String, _ r: String) -> String {
        let keyValue = "\(r).\(key)"
        switch table.kind {
        case .keyedObject:
            return "\(value) ? \(keyValue)"
        case .keyedArray:
            guard case .member(let jsonKey)? = table.column(named: table.keyColumn)?.source else { return "false" }
            return "\(value) @> jsonb_build_array(jsonb_build_object(\(SQLText.literal(jsonKey)), \(keyValue)))"
        }
    }

    /// The legacy row `r`'s key already exists in the fold, read from `locked` (a `lockedRows`
    /// CTE covering `r`'s target row), so a concurrent insert of the same key that committed
    /// while this statement waited for the row is seen.
    func keyExists(_ r: String, in locked: String) -> String {
        let other = "pgcutover_x"
        let holder = "\(other).\(SQLText.identifier(table.joinTarget)) = \(r).\(join)"
        return "EXISTS (SELECT 1 FROM \(locked) AS \(other) WHERE \(holder) AND \(hasKey(in: "\(other).\(container)", r)))"
    }

    /// Rows of `set` other than `r` with the same (join, key): the legacy UNIQUE constraint.
    func sameKeyCount(in set: String, as r: String) -> String {
        "(SELECT count(*) FROM \(set) AS q WHERE q.\(join) = \(r).\(join) AND q.\(key) = \(r).\(key))"
    }

    /// The legacy UNIQUE (join, key) constraint's error for the row `r`, with the server's DETAIL
    /// `Key (a, b)=(x, y) already exists.`: the constraint's columns in table order, their values
    /// as their types' text output.
    func uniqueViolation(_ r: String) -> LegacyError {
        let columns = table.columns.filter { $0.name == table.joinColumn || $0.name == table.keyColumn }
        let names = columns.map { SQLText.identifier($0.name) }.joined(separator: ", ")
        let values = columns.map { "(\(r).\(SQLText.identifier($0.name)))::text" }.joined(separator: " || ', ' || ")
        return LegacyError(
            sqlState: "23505",
            message: "duplicate key value violates unique constraint \"\(table.uniqueConstraint ?? table.name + "_key")\"",
            detail: "\(SQLText.literal("Key (\(names))=(")) || \(values) || ') already exists.'",
            table: table.name, constraint: table.uniqueConstraint)
    }
}
