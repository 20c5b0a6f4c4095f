/// Builds production-shaped legacy rows from a seed. Same shape and seed, same rows, in the same order
/// (so the SERIAL ids come out the same too).
public struct DemoDataGenerator: Sendable {
    public let shape: DemoDataShape
    public let seed: UInt64

    public init(shape: DemoDataShape, seed: UInt64) {
        self.shape = shape
        self.seed = seed
    }

    public struct Rows: Sendable {
        public var tokens: [DemoToken]
        public var godProfiles: [DemoGodProfile]
        public var relationships: [DemoRelationship]
    }

    public func generate() -> Rows {
        var rng = SplitMix64(seed: seed)
        let vocabulary = Self.words(count: shape.tokens, rng: &rng)
        let absent = Self.words(count: shape.godProfileWordsAbsent + shape.relationshipWordsAbsent,
                                rng: &rng, excluding: Set(vocabulary), tag: "absent")
        let tokens = makeTokens(vocabulary, rng: &rng)
        let profiles = makeGodProfiles(vocabulary, absent: Array(absent.prefix(shape.godProfileWordsAbsent)), rng: &rng)
        let relationships = makeRelationships(
            vocabulary, absent: Array(absent.suffix(shape.relationshipWordsAbsent)), rng: &rng)
        return Rows(tokens: tokens, godProfiles: profiles, relationships: relationships)
    }

    // MARK: words

    private static let syllables = [
        "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "zi", "an", "el", "or", "ul", "ix", "qua", "sto",
        "phi", "the", "bra", "gen", "mor", "lux", "tri", "dra", "pel", "cor", "vin", "zen", "ash", "ben",
    ]

    /// Words that break careless SQL and careless escaping; they are planted among the plain ones.
    private static let hostileStems = [
        "o'clock", "don't", "say \"hi\"", "back\\slash", "tab\there", "new\nline", "$$dollar$$", "$tag$",
        "naïve", "café", "Ζεύς", "Ἀθηνᾶ", "日本語", "😀emoji", "🜂fire", "percent%", "under_score", "semi;colon",
        "comma,word", "{brace}", "null", "NULL", "\\N", "  spaced  ", "O''Brien", "quote\"'mix",
    ]

    static func words(count: Int, rng: inout SplitMix64, excluding: Set<String> = [], tag: String = "")
        -> [String]
    {
        var seen = excluding
        var result: [String] = []
        result.reserveCapacity(count)
        var index = 0
        while result.count < count {
            var word = ""
            var n = index + 1
            while n > 0 {
                word += syllables[n % syllables.count]
                n /= syllables.count
            }
            if !tag.isEmpty { word = "\(tag)_\(word)" }
            // About one word in fifty is hostile: quotes, backslashes, non-ASCII, emoji.
            if rng.below(50) == 0 {
                let stem = hostileStems[rng.below(hostileStems.count)]
                word = rng.chance(0.5) ? "\(stem)\(word)" : "\(word)\(stem)"
            }
            index += 1
            if seen.insert(word).inserted { result.append(word) }
        }
        // One very long word (2 kB: long, yet within a btree entry even beside a short neighbor).
        if count > 10, tag.isEmpty {
            let long = String(repeating: "ω", count: 1000) + "long"
            if seen.insert(long).inserted { result[count / 2] = long }
        }
        return result
    }

    // MARK: rows

    private func timestamp(_ rng: inout SplitMix64) -> DemoTimestamp {
        // Spread over 2025-01-01 .. 2026-01-23, microsecond precision.
        let start: Int64 = 788_918_400_000_000
        return DemoTimestamp(microseconds: start + Int64(rng.below(33_868_800)) * 1_000_000 + Int64(rng.below(1_000_000)))
    }

    private func real(_ rng: inout SplitMix64, _ low: Double, _ high: Double) -> Float {
        Float(((low + (high - low) * rng.unit()) * 10_000).rounded() / 10_000)
    }

    private func makeTokens(_ vocabulary: [String], rng: inout SplitMix64) -> [DemoToken] {
        let roles = ["encoding", "encoding", "encoding", "generation", "both"]
        let sources = ["bpe", "bpe", "learned", "seed", "curriculum"]
        return vocabulary.enumerated().map { index, word in
            let created = timestamp(&rng)
            let embedding: [Float]? = rng.chance(0.03) ? nil : (0..<64).map { _ in real(&rng, -1, 1) }
            return DemoToken(
                token: word,
                tokenID: rng.chance(0.02) ? nil : index,
                frequency: 1 + Int(1.0 / max(rng.unit(), 1e-6)),
                tokenRole: roles[rng.below(roles.count)],
                qfiScore: rng.chance(0.05) ? nil : (rng.unit() * 1_000_000).rounded() / 1_000_000,
                basinEmbedding: embedding,
                sourceType: rng.chance(0.04) ? nil : sources[rng.below(sources.count)],
                createdAt: created,
                updatedAt: DemoTimestamp(microseconds: created.microseconds + Int64(rng.below(1_000_000_000)))
            )
        }
    }

    private func makeGodProfiles(_ vocabulary: [String], absent: [String], rng: inout SplitMix64)
        -> [DemoGodProfile]
    {
        let present = rng.distinct(min(shape.godProfileWords - absent.count, vocabulary.count),
                                   below: vocabulary.count).map { vocabulary[$0] }
        let words = present + absent
        var pairs = Set<String>()
        var rows: [DemoGodProfile] = []
        // Every word gets one god; the remaining rows give some words a second or third god.
        var slot = 0
        while rows.count < shape.godProfileRows {
            let word = slot < words.count ? words[slot] : words[rng.below(words.count)]
            slot += 1
            let god = DemoDataShape.gods[rng.below(DemoDataShape.gods.count)]
            guard pairs.insert("\(god)\u{0}\(word)").inserted else { continue }
            rows.append(DemoGodProfile(
                godName: god, word: word,
                relevanceScore: real(&rng, 0.05, 1),
                usageCount: rng.below(200),
                lastUsed: timestamp(&rng),
                learnedFromPhi: rng.chance(0.15) ? nil : real(&rng, 0.3, 0.99),
                basinDistance: rng.chance(0.1) ? nil : real(&rng, 0, 1.5708)
            ))
        }
        rng.shuffle(&rows)
        return rows
    }

    private static let contextSnippets: [String?] = [
        "the oracle spoke", "it's \"divine\"", "path\\to\\temple", "φ rising", "Ἑρμῆς", "🏛 agora",
        "tab\tseparated", "comma, inside", "{braces}", "NULL", nil, "$$quoted$$", "", "line\nbreak",
    ]

    private func neighborCounts(_ words: Int, rng: inout SplitMix64) -> [Int] {
        // Zipf-like weights (exponent 0.5) give a long tail: a few words with hundreds of neighbors,
        // most with a few dozen, many with a handful.
        let weights = (0..<words).map { 1.0 / Double($0 + 1).squareRoot() }
        let total = weights.reduce(0, +)
        let extra = shape.relationshipRows - words
        var counts = weights.map { min(shape.maxNeighbors, 1 + Int(Double(extra) * $0 / total)) }
        var missing = shape.relationshipRows - counts.reduce(0, +)
        var i = words - 1
        while missing > 0 {
            if counts[i] < shape.maxNeighbors { counts[i] += 1; missing -= 1 }
            i = i == 0 ? words - 1 : i - 1
        }
        rng.shuffle(&counts)
        return counts
    }

    private func makeRelationships(_ vocabulary: [String], absent: [String], rng: inout SplitMix64)
        -> [DemoRelationship]
    {
        let presentCount = shape.relationshipWords - absent.count
        let words = rng.distinct(presentCount, below: vocabulary.count).map { vocabulary[$0] } + absent
        let counts = neighborCounts(words.count, rng: &rng)
        var rows: [DemoRelationship] = []
        rows.reserveCapacity(shape.relationshipRows)
        for (word, count) in zip(words, counts) {
            // One spare draw so a word is never its own neighbor.
            let drawn = rng.distinct(count + 1, below: vocabulary.count).filter { vocabulary[$0] != word }
            for neighbor in drawn.prefix(count) {
                let strength: Float? = rng.chance(0.05) ? nil : real(&rng, 0, 1)
                let avg: Float? = rng.chance(0.1) ? nil : real(&rng, 0.2, 0.9)
                let contexts: [String?]? = rng.chance(0.2) ? nil
                    : (0..<rng.below(4)).map { _ in Self.contextSnippets[rng.below(Self.contextSnippets.count)] }
                rows.append(DemoRelationship(
                    word: word,
                    neighbor: vocabulary[neighbor],
                    // Whole counts from a heavy-tailed distribution: many ties, which the cap breaks by id.
                    cooccurrenceCount: Float(1 + Int(1.0 / max(rng.unit(), 0.002)) / 2),
                    strength: strength,
                    avgPhi: avg,
                    maxPhi: avg.map { min(1, $0 + real(&rng, 0, 0.1)) },
                    fisherDistance: rng.chance(0.05) ? nil : real(&rng, 0, 1.5708),
                    contexts: contexts,
                    updatedAt: timestamp(&rng)
                ))
            }
        }
        // Interleave words the way years of incremental writes do, so ids are not grouped by word.
        rng.shuffle(&rows)
        return rows
    }
}
