/// A seeded generator so the same `--seed` always yields the same demo rows, on every platform and
/// Swift version (SystemRandomNumberGenerator cannot be seeded; Swift's own algorithms on top of a
/// generator may change between releases, so the helpers below avoid them).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (multiply-shift; the tiny bias is irrelevant for demo data).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Fisher–Yates with this generator's own `below`, so the order depends only on the seed.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }

    /// `count` distinct values from 0..<range (Floyd's algorithm: O(count) whatever the range).
    public mutating func distinct(_ count: Int, below range: Int) -> [Int] {
        precondition(count <= range)
        var chosen = Set<Int>(minimumCapacity: count)
        var order: [Int] = []
        order.reserveCapacity(count)
        for j in (range - count)..<range {
            let t = below(j + 1)
            let pick = chosen.contains(t) ? j : t
            chosen.insert(pick)
            order.append(pick)
        }
        return order
    }
}
