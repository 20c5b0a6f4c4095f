import NIOCore

/// The answer to `AuditLog.submit(_:eventLoop:)`. The record is always taken; the answer says
/// whether the session may go on reading from its client.
public enum AuditAdmission: Sendable {
    /// The queue has room: carry on.
    case proceed
    /// The queue is full (the sink is behind): stop reading from the client until the future
    /// succeeds. It never fails, and completes on the event loop given to `submit`.
    case pause(EventLoopFuture<Void>)
}
