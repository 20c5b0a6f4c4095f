/// How many rows of each kind the demo holds at a given scale. Scale 1.0 is production as the seed
/// document reports it: 16,031 tokens; 109 god-profile rows over 12 gods; 362,145 relationship rows
/// over 8,513 words.
public struct DemoDataShape: Sendable, Equatable {
    public var tokens: Int
    public var godProfileRows: Int
    public var godProfileWords: Int
    /// God-profile words that have no coordizer_vocabulary row (the seed's migration dropped these).
    public var godProfileWordsAbsent: Int
    public var relationshipRows: Int
    public var relationshipWords: Int
    public var relationshipWordsAbsent: Int
    /// The most neighbors one word may have: the head of the long tail.
    public var maxNeighbors: Int

    public static let gods = [
        "zeus", "athena", "apollo", "artemis", "hermes", "ares",
        "hephaestus", "aphrodite", "demeter", "dionysus", "poseidon", "hera",
    ]

    public init(scale: Double) {
        func scaled(_ n: Double, minimum: Int) -> Int { max(minimum, Int((n * scale).rounded())) }
        tokens = scaled(16_031, minimum: 40)
        godProfileRows = scaled(109, minimum: 12)
        godProfileWords = max(4, Int((Double(godProfileRows) * 97.0 / 109.0).rounded()))
        godProfileWordsAbsent = max(1, godProfileWords / 12)
        relationshipWords = min(scaled(8_513, minimum: 10), tokens)
        relationshipWordsAbsent = max(1, relationshipWords / 400)
        maxNeighbors = min(900, tokens - 1)
        relationshipRows = min(scaled(362_145, minimum: 30), relationshipWords * maxNeighbors)
    }
}
