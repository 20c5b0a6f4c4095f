/// `COPY legacy_table [(columns)] TO ...`: the table name (and column list) become a query.
struct CopySource {
    let table: LegacyTable
    let location: Int
    let nameParts: Int
    let hasColumnList: Bool
}
