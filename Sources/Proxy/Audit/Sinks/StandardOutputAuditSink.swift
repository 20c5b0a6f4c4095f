#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output (for containers whose runtime collects stdout). Reopening does nothing.
public struct StandardOutputAuditSink: AuditSink {
    public init() {}

    public func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        while true {
            let written = standardOutputWrite(bytes)
            if written >= 0 { return written }
            if errno == EINTR { continue }
            throw AuditSinkError(operation: "write", path: "<stdout>", errno: errno)
        }
    }

    public func reopen() throws {}

    public func close() throws {}
}

// The C function under another name: inside the type, `write` is its method.
private func standardOutputWrite(_ bytes: UnsafeRawBufferPointer) -> Int {
    write(STDOUT_FILENO, bytes.baseAddress, bytes.count)
}
