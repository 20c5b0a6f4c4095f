/// Where the configuration sends the audit log: `file(path)` or `stdout`.
public enum AuditDestination: Sendable, Equatable {
    case file(String)
    case stdout

    /// `-` means standard output, anything else a file path (as `--audit-log` takes it).
    public init(argument: String) {
        self = argument == "-" ? .stdout : .file(argument)
    }

    /// Opens the destination; throws `AuditSinkError` when a file cannot be opened for appending.
    public func makeSink() throws -> any AuditSink {
        switch self {
        case .file(let path): try FileAuditSink(path: path)
        case .stdout: StandardStreamAuditSink.standardOutput
        }
    }
}
