import Foundation
import FuzzTargets

/// `pgcutover-fuzz TARGET [ARGUMENTS…]`, TARGET one of startup, frontend, backend, rewriter (or
/// the environment's PGCUTOVER_FUZZ_TARGET).
///
/// Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz.sh), it hands the other arguments to
/// libFuzzer. In a plain build it replays the files and folders it is given through the target, a
/// regression runner that needs no sanitizer. `--write-seeds DIR` writes the target's seed inputs.
@main
struct FuzzMain {
    static func main() {
        var arguments = CommandLine.arguments
        let name: FuzzTargetName
        if arguments.count > 1, let named = FuzzTargetName(rawValue: arguments[1]) {
            name = named
            arguments.remove(at: 1)
        } else if let named = ProcessInfo.processInfo.environment["PGCUTOVER_FUZZ_TARGET"].flatMap(FuzzTargetName.init) {
            name = named
        } else {
            let names = FuzzTargetName.allCases.map(\.rawValue).joined(separator: "|")
            fail("usage: pgcutover-fuzz \(names) [libFuzzer arguments | files and folders to replay]")
        }
        // libFuzzer re-runs this executable for -merge and -fork with the arguments it was given,
        // which no longer name the target: the environment carries it to those children.
        setenv("PGCUTOVER_FUZZ_TARGET", name.rawValue, 1)

        if arguments.count == 3, arguments[1] == "--write-seeds" {
            exit(SeedWriter.write(FuzzSeeds.seeds(for: name), into: arguments[2]))
        }

        let mappingPath = ProcessInfo.processInfo.environment["PGCUTOVER_MAPPING"] ?? "config/mapping.toml"
        do {
            selectedTarget = try name.makeTarget(mappingPath: mappingPath)
        } catch {
            fail("pgcutover-fuzz: \(error) (run from the repository root or set PGCUTOVER_MAPPING)")
        }

        #if FUZZING
        // libFuzzer leaves a signal alone when a handler is already installed, and Swift's runtime
        // installs its backtracer's: a trap would then print a backtrace and exit without
        // libFuzzer saving the input. Back to the defaults, so libFuzzer's handlers go in.
        for signalNumber in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            signal(signalNumber, SIG_DFL)
        }
        CrashInputSaver.install(arguments: arguments)
        var argc = CInt(arguments.count)
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let status = cArguments.withUnsafeMutableBufferPointer { buffer in
            var argv = buffer.baseAddress!
            return LLVMFuzzerRunDriver(&argc, &argv) { fuzzOne($0, $1) }
        }
        exit(status)
        #else
        exit(Replay.run(paths: Array(arguments.dropFirst()), target: selectedTarget!, name: name))
        #endif
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
