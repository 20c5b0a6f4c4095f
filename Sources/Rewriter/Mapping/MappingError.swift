/// The mapping file cannot describe a fold the rewriter can use; raised at startup, never per statement.
public struct MappingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
