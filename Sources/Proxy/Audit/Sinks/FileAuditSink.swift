import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends to a file, created with mode 0640 if missing. `reopen()` opens the path again, so that
/// after logrotate renamed the file the next lines go to a new file at the old name.
public final class FileAuditSink: AuditSink {
    public let path: String
    // The descriptor behind a lock only to be Sendable: one writer thread uses it, uncontended.
    private let descriptor: NIOLockedValueBox<Int32>

    public init(path: String) throws {
        self.path = path
        self.descriptor = NIOLockedValueBox(try Self.open(path))
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        try descriptor.withLockedValue { fd in
            while true {
                let written = systemWrite(fd, bytes.baseAddress, bytes.count)
                if written >= 0 { return written }
                if errno == EINTR { continue }
                throw AuditSinkError(operation: "write", path: path, errno: errno)
            }
        }
    }

    public func reopen() throws {
        let fresh = try Self.open(path)
        let old = descriptor.withLockedValue { fd in
            defer { fd = fresh }
            return fd
        }
        _ = systemClose(old)
    }

    public func close() throws {
        let fd = descriptor.withLockedValue { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        // At shutdown the lines should survive a power cut too, not only the process's exit.
        _ = fsync(fd)
        if systemClose(fd) != 0 {
            throw AuditSinkError(operation: "close", path: path, errno: errno)
        }
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = systemOpen(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditSinkError(operation: "open", path: path, errno: errno) }
        return fd
    }
}

// The C functions under other names: inside the class, `write`, `open` and `close` are its methods.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, bytes, count)
}

private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}

private func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}
