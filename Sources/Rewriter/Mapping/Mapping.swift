import TOMLKit

/// Every legacy table the rewriter knows, and the table they were folded into.
/// Loaded from `config/mapping.toml`; see docs/rewriter.md for the format.
public struct Mapping: Sendable, Equatable {
    public let targetTable: String
    public let tables: [LegacyTable]
    /// Column → SQL value for a target row that a write creates for a word it does not hold yet,
    /// sorted by column.
    public let newTargetRow: [(column: String, value: String)]
    /// Whether such a row is created at all (`missing_target_row`).
    public let missingTargetRow: MissingTargetRowPolicy
    /// `check_function(ok boolean, sqlstate text, message text) RETURNS boolean` raises when not ok;
    /// its overload `(…, detail, hint, schema_name, table_name, column_name, constraint_name text)`
    /// raises with those fields too (migration 0040).
    public let checkFunction: String

    public init(
        targetTable: String, tables: [LegacyTable], newTargetRow: [(column: String, value: String)] = [],
        missingTargetRow: MissingTargetRowPolicy = .create, checkFunction: String = "pgcutover_check"
    ) {
        self.targetTable = targetTable
        self.tables = tables
        self.newTargetRow = newTargetRow
        self.missingTargetRow = missingTargetRow
        self.checkFunction = checkFunction
    }

    public static func == (lhs: Mapping, rhs: Mapping) -> Bool {
        lhs.targetTable == rhs.targetTable && lhs.tables == rhs.tables && lhs.checkFunction == rhs.checkFunction
            && lhs.missingTargetRow == rhs.missingTargetRow
            && lhs.newTargetRow.elementsEqual(rhs.newTargetRow) { $0 == $1 }
    }

    /// Lookup by the name as Postgres folds it (an unquoted name arrives lower-cased from the parser).
    public func table(named name: String) -> LegacyTable? {
        tables.first { $0.name == name }
    }

    public init(toml: String) throws(MappingError) {
        let file: MappingFile
        do {
            file = try TOMLDecoder().decode(MappingFile.self, from: toml)
        } catch {
            throw MappingError(message: "mapping file is not valid: \(error)")
        }
        var tables: [LegacyTable] = []
        for fold in file.fold {
            tables.append(try fold.legacyTable())
        }
        guard !tables.isEmpty else { throw MappingError(message: "mapping file declares no [[fold]]") }
        self.init(
            targetTable: file.target_table, tables: tables,
            newTargetRow: (file.new_target_row ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            missingTargetRow: file.missing_target_row ?? .create, checkFunction: file.check_function ?? "pgcutover_check")
    }
}

/// The on-disk shape; snake_case keys mirror the TOML file.
private struct MappingFile: Decodable {
    let target_table: String
    let new_target_row: [String: String]?
    let missing_target_row: MissingTargetRowPolicy?
    let check_function: String?
    let fold: [Fold]

    struct Fold: Decodable {
        let legacy_table: String
        let kind: FoldKind
        let container: String
        let key: String
        let join: String
        let join_target: String
        let unique_constraint: String?
        let assignment_table: String?
        let insert_check_view: String?
        let columns: [Column]

        func legacyTable() throws(MappingError) -> LegacyTable {
            var seen = Set<String>()
            var columns: [LegacyColumn] = []
            for column in self.columns {
                guard seen.insert(column.name).inserted else {
                    throw MappingError(message: "\(legacy_table): column \(column.name) listed twice")
                }
                let source: LegacyColumn.Source
                if column.name == join {
                    source = .joinColumn
                } else if let jsonKey = column.json {
                    source = .member(jsonKey: jsonKey)
                } else if column.name == key && kind == .keyedObject {
                    source = .objectKey
                } else {
                    throw MappingError(message: "\(legacy_table): column \(column.name) needs a json key")
                }
                columns.append(
                    LegacyColumn(
                        name: column.name, sqlType: column.type, source: source, defaultSQL: column.default,
                        notNull: column.not_null ?? false))
            }
            guard seen.contains(key), seen.contains(join) else {
                throw MappingError(message: "\(legacy_table): key \(key) and join \(join) must be listed columns")
            }
            return LegacyTable(
                name: legacy_table, kind: kind, container: container, keyColumn: key, joinColumn: join,
                joinTarget: join_target, uniqueConstraint: unique_constraint,
                columns: columns, assignmentTable: assignment_table,
                insertCheckView: insert_check_view)
        }
    }

    struct Column: Decodable {
        let name: String
        let type: String
        let json: String?
        let `default`: String?
        let not_null: Bool?
    }
}
