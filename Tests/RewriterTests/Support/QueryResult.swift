/// What a legacy client can observe of a read: column names and types (format_type, which
/// encodes the type OID and modifier), the rows as text, and the inferred parameter types.
struct QueryResult: Equatable, CustomStringConvertible {
    var columns: [String]
    var rows: [String]
    var parameterTypes: String?

    var description: String {
        "columns: \(columns.map { $0.replacingOccurrences(of: Psql.fieldSeparator, with: " ") })\n"
            + "parameters: \(parameterTypes ?? "-")\nrows (\(rows.count)):\n"
            + rows.prefix(8).map { "  " + $0.replacingOccurrences(of: Psql.fieldSeparator, with: " | ") }
            .joined(separator: "\n")
    }
}

extension Psql {
    private static let marker = "@@pgcutover-section@@"

    /// Runs a read and describes it. With `arguments`, the statement is prepared (so `$n` stay
    /// parameters whose types the server infers) and executed with those SQL argument texts.
    func result(of sql: String, arguments: String? = nil) throws -> QueryResult {
        let script: String
        if let arguments {
            script = """
                PREPARE pgcutover_q AS \(sql);
                EXECUTE pgcutover_q(\(arguments)) \\gdesc
                \\echo \(Self.marker)
                EXECUTE pgcutover_q(\(arguments));
                \\echo \(Self.marker)
                SELECT parameter_types::text FROM pg_prepared_statements WHERE name = 'pgcutover_q';
                """
        } else {
            script = "\(sql) \\gdesc\n\\echo \(Self.marker)\n\(sql);\n"
        }
        let sections = try run(script).components(separatedBy: Self.marker + "\n")
        func records(_ index: Int) -> [String] {
            guard index < sections.count else { return [] }
            var text = sections[index]
            if text.hasSuffix("\n") { text.removeLast() }
            return text.isEmpty ? [] : text.components(separatedBy: Self.recordSeparator)
        }
        return QueryResult(
            columns: records(0), rows: records(1), parameterTypes: arguments == nil ? nil : records(2).first)
    }

    /// The lines a `COPY … TO STDOUT` produces.
    func copyOutput(_ sql: String) throws -> [String] {
        try run(sql + ";\n").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.isEmpty }
    }
}
