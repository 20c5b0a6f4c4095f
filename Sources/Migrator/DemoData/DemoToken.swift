/// A demo row of coordizer_vocabulary, column for column; `nil` is SQL NULL.
public struct DemoToken: Sendable, Equatable {
    public var token: String
    public var tokenID: Int?
    public var frequency: Int
    public var tokenRole: String
    public var qfiScore: Double?
    public var basinEmbedding: [Float]?
    public var sourceType: String?
    public var createdAt: DemoTimestamp
    public var updatedAt: DemoTimestamp
}
