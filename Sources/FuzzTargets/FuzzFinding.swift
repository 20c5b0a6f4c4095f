/// An invariant a fuzz target checks that did not hold: a bug, as much as a crash is. The fuzz
/// driver turns it into a crash so libFuzzer saves the input; the regression tests report it.
public struct FuzzFinding: Error, CustomStringConvertible {
    public let target: String
    public let message: String

    public init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }

    public var description: String { "\(target): \(message)" }
}
