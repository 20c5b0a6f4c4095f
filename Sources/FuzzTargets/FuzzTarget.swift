/// One entry point under fuzzing: any bytes in; a clean refusal is as good as a success. It
/// returns normally or throws a `FuzzFinding`; anything else (a trap, a hang) is a crash.
/// No target touches files or the network per input.
public protocol FuzzTarget: Sendable {
    func run(_ input: UnsafeRawBufferPointer) throws(FuzzFinding)
}

extension FuzzTarget {
    public func run(_ input: [UInt8]) throws(FuzzFinding) {
        // A closure cannot rethrow a typed error through `withUnsafeBytes`, so it is carried out.
        let finding: FuzzFinding? = input.withUnsafeBytes { bytes in
            do throws(FuzzFinding) {
                try self.run(bytes)
                return nil
            } catch {
                return error
            }
        }
        if let finding { throw finding }
    }
}
