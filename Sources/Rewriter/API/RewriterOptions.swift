/// Choices the deployment makes, not the mapping.
public struct RewriterOptions: Sendable, Equatable {
    /// `TRUNCATE legacy_table` empties the fold (every container set to NULL) instead of being
    /// refused. Off by default: emptying a legacy table is rarely what a legacy script should do
    /// to the consolidated data.
    public var allowTruncate: Bool

    public init(allowTruncate: Bool = false) {
        self.allowTruncate = allowTruncate
    }
}
