/// A demo row of god_vocabulary_profiles, column for column; `nil` is SQL NULL.
public struct DemoGodProfile: Sendable, Equatable {
    public var godName: String
    public var word: String
    public var relevanceScore: Float
    public var usageCount: Int
    public var lastUsed: DemoTimestamp
    public var learnedFromPhi: Float?
    public var basinDistance: Float?
}
