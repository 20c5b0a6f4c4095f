/// A top-level INSERT, UPDATE or DELETE whose target is a legacy table. The statement's own
/// clauses are kept as text; the tree tells which clauses exist and where some of them start.
struct LegacyWrite {
    enum Verb: String {
        case insert, update, delete
    }

    let verb: Verb
    let target: LegacyReference
    /// The statement node's fields (`InsertStmt`, `UpdateStmt` or `DeleteStmt`).
    let fields: JSONObject
}
