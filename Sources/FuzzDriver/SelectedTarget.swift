import Foundation
import FuzzTargets

// Safe without a lock: `FuzzMain.main` writes it once before libFuzzer starts, and libFuzzer
// calls `fuzzOne` on that same thread (or on its own worker threads only after that write).
nonisolated(unsafe) var selectedTarget: (any FuzzTarget)?

// The input being run, for the fault handler (`CrashInputSaver`); libFuzzer runs one at a time.
nonisolated(unsafe) var currentInput: (bytes: UnsafePointer<UInt8>?, count: Int) = (nil, 0)

/// libFuzzer's entry point. A finding aborts, so libFuzzer saves the input like any crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let target = selectedTarget else { return 0 }
    currentInput = (data, size)
    do {
        try target.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        FileHandle.standardError.write(Data("pgcutover-fuzz finding: \(error)\n".utf8))
        abort()
    }
    return 0
}
