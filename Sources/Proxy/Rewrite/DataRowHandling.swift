/// What `RewritePipeline` does with a DataRow while a given expectation heads its queue. A
/// result's DataRows are nearly all the frames a read relays; reading the handling off the head
/// for each of them copied the head expectation (its statements, texts, audit) once per row, so
/// the pipeline works it out once and keeps it until the head or the simple Query's current
/// statement changes.
enum DataRowHandling: Equatable {
    /// Relay the row.
    case forward
    /// Relay the row, counted for the audit record of an Execute that may end suspended.
    case forwardCounted
    /// The count row of a rewritten write: its count makes the legacy command tag; the client
    /// never sees the row.
    case captureCount(binary: Bool)
    /// A row answering the proxy's own `SET pgcutover.sync` (it has none, but all is swallowed).
    case swallow
}
