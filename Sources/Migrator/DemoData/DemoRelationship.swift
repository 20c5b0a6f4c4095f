/// A demo row of basin_relationships, column for column; `nil` is SQL NULL.
public struct DemoRelationship: Sendable, Equatable {
    public var word: String
    public var neighbor: String
    public var cooccurrenceCount: Float
    public var strength: Float?
    public var avgPhi: Float?
    public var maxPhi: Float?
    public var fisherDistance: Float?
    public var contexts: [String?]?
    public var updatedAt: DemoTimestamp
}
