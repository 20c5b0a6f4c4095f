/// One column of a legacy table and where its value lives after the fold.
public struct LegacyColumn: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The value is the target row's join column (`word` is `token`).
        case joinColumn
        /// The value is the object key of a keyed-object fold (`god_name`).
        case objectKey
        /// The value is a member of the element object.
        case member(jsonKey: String)
    }

    public let name: String
    /// The exact SQL type of the legacy column, used to convert the JSON value back.
    public let sqlType: String
    public let source: Source
    /// The legacy column default as SQL text, applied by writes that omit the column.
    public let defaultSQL: String?
    /// The legacy NOT NULL constraint, enforced by rewritten writes.
    public let notNull: Bool

    public init(name: String, sqlType: String, source: Source, defaultSQL: String? = nil, notNull: Bool = false) {
        self.name = name
        self.sqlType = sqlType
        self.source = source
        self.defaultSQL = defaultSQL
        self.notNull = notNull
    }
}
