/// An error a rewritten write raises in the legacy table's place, with every field the legacy
/// table's own error carries: drivers expose them (psycopg2's `e.diag`, JDBC's ServerErrorMessage)
/// and clients branch on them, on the constraint name above all.
struct LegacyError {
    let sqlState: String
    let message: String
    /// SQL expression for the DETAIL text, evaluated on the failing row; NULL sends none.
    var detail: String?
    var hint: String?
    /// The legacy table the error is about: with it, the schema and table fields are sent.
    var table: String?
    var column: String?
    var constraint: String?

    init(
        sqlState: String, message: String, detail: String? = nil, hint: String? = nil, table: String? = nil,
        column: String? = nil, constraint: String? = nil
    ) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.table = table
        self.column = column
        self.constraint = constraint
    }

    /// Only SQLSTATE and message: 0020's 3-argument check function is enough.
    var isBare: Bool { detail == nil && hint == nil && table == nil && column == nil && constraint == nil }
}
