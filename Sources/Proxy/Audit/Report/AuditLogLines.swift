#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file line by line in fixed-size chunks, never holding more than a chunk and the
/// current line, so that a multi-gigabyte audit log can be reported on.
enum AuditLogLines {
    static let chunkSize = 1 << 20

    static func forEachLine(inFileAt path: String, _ body: (ArraySlice<UInt8>) -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditSinkError(operation: "open", path: path, errno: errno) }
        defer { _ = close(fd) }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var partial: [UInt8] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw AuditSinkError(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
                if partial.isEmpty {
                    body(chunk[start..<index])
                } else {
                    partial.append(contentsOf: chunk[start..<index])
                    body(partial[...])
                    partial.removeAll(keepingCapacity: true)
                }
                start = index + 1
            }
            partial.append(contentsOf: chunk[start..<count])
        }
        // A last line without a newline: usually a record cut short by a crash, which the
        // caller counts as malformed.
        if !partial.isEmpty { body(partial[...]) }
    }
}
