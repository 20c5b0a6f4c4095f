#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output (for containers whose runtime collects stdout) or standard error
/// (the last resort when the audit file cannot be written at shutdown). Reopening does nothing.
public struct StandardStreamAuditSink: AuditSink {
    public static let standardOutput = StandardStreamAuditSink(descriptor: STDOUT_FILENO, name: "<stdout>")
    public static let standardError = StandardStreamAuditSink(descriptor: STDERR_FILENO, name: "<stderr>")

    private let descriptor: Int32
    private let name: String

    private init(descriptor: Int32, name: String) {
        self.descriptor = descriptor
        self.name = name
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        while true {
            let written = systemWrite(descriptor, bytes)
            if written >= 0 { return written }
            if errno == EINTR { continue }
            throw AuditSinkError(operation: "write", path: name, errno: errno)
        }
    }

    public func reopen() throws {}

    public func close() throws {}
}

// The C function under another name: inside the type, `write` is its method.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    write(descriptor, bytes.baseAddress, bytes.count)
}
