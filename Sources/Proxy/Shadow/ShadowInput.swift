import NIOCore

/// What a shadow comparison needs to run a read again: the client's statement as it sent it and,
/// from the extended protocol, its parameters exactly as bound (types from Parse, 0 where the
/// server inferred them; formats and values from Bind).
public struct ShadowInput: Sendable, Equatable {
    public var sql: String
    public var parameterTypes: [UInt32]
    /// One format per parameter (0 text, 1 binary), already expanded from Bind's shorthand.
    public var parameterFormats: [Int16]
    public var parameters: [ByteBuffer?]

    public init(sql: String, parameterTypes: [UInt32] = [], parameterFormats: [Int16] = [], parameters: [ByteBuffer?] = []) {
        self.sql = sql
        self.parameterTypes = parameterTypes
        self.parameterFormats = parameterFormats
        self.parameters = parameters
    }
}
