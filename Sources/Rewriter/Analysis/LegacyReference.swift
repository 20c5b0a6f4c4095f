/// A place in the statement text where a legacy table is read, and what may be pushed into it.
struct LegacyReference {
    let table: LegacyTable
    /// Byte offset of the (possibly qualified) name.
    let location: Int
    /// 1 for `name`, 2 for `schema.name`, 3 for `catalog.schema.name`.
    let nameParts: Int
    let aliasName: String?
    /// `AS alias(a, b, …)`: the alias renames columns by position.
    let renamesColumns: Bool
    /// False for `ONLY name`.
    let inheritance: Bool
    var pushdowns: [PushdownPredicate] = []

    /// The name other clauses use to refer to the rows.
    var exposedName: String { aliasName ?? table.name }
}
