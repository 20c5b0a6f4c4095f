import PostgresNIO

/// A migration's version number as recorded in the applied-migrations table.
public struct MigrationVersion: Hashable, Sendable, Comparable {
    public var rawValue: Int
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
