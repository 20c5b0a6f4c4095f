#if FUZZING
import Foundation

/// Saves the input that made the process fault. libFuzzer's own handler runs on the faulting
/// thread's stack, so a stack overflow (deep recursion over a nested query) kills the process
/// before libFuzzer can say which input did it. This handler runs on an alternate stack and
/// writes the input where libFuzzer writes its artifacts; libFuzzer keeps handlers it finds
/// installed, so it handles every other signal itself.
enum CrashInputSaver {
    /// Only with `-artifact_prefix=` (scripts/fuzz.sh passes one): a replay of files needs no saving.
    static func install(arguments: [String]) {
        guard let prefix = arguments.last(where: { $0.hasPrefix("-artifact_prefix=") })?.dropFirst(17) else { return }
        savePath = strdup(prefix + "crash-fault-\(getpid())")
        let size = 1 << 16
        var stack = stack_t(ss_sp: malloc(size), ss_flags: 0, ss_size: size)
        sigaltstack(&stack, nil)
        var action = sigaction()
        action.sa_flags = SA_SIGINFO | SA_ONSTACK
        action.__sigaction_handler.sa_sigaction = { signalNumber, _, _ in
            if let path = savePath, let bytes = currentInput.bytes {
                let file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if file >= 0 {
                    _ = write(file, bytes, currentInput.count)
                    close(file)
                    let note = "pgcutover-fuzz: fatal signal (a stack overflow, most likely); input saved to "
                    _ = write(2, note, strlen(note))
                    _ = write(2, path, strlen(path))
                    _ = write(2, "\n", 1)
                }
            }
            signal(signalNumber, SIG_DFL)
            raise(signalNumber)
        }
        sigaction(SIGSEGV, &action, nil)
        sigaction(SIGBUS, &action, nil)
    }
}

// Written before libFuzzer starts, read only by the fault handler.
nonisolated(unsafe) private var savePath: UnsafeMutablePointer<CChar>?
#endif
