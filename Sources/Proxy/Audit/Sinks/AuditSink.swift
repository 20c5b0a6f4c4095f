/// Where audit lines end up. Only `AuditLog`'s writer thread calls a sink, one call at a time, so
/// a sink may block on I/O.
public protocol AuditSink: Sendable {
    /// Writes a prefix of `bytes` and returns its length (a short write is allowed; the caller
    /// writes the rest). Throws when nothing could be written; the caller retries.
    func write(_ bytes: UnsafeRawBufferPointer) throws -> Int
    /// Closes and opens the destination again by name, for logrotate (SIGUSR1).
    func reopen() throws
    /// Closes the destination; the sink is not used afterwards.
    func close() throws
}
