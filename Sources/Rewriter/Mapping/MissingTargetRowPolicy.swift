/// What a write does for a legacy word that has no target row yet: the rewriter's side of the
/// migrator's `--on-missing-token` (`create`, `fail`).
public enum MissingTargetRowPolicy: String, Sendable, Equatable, Decodable {
    /// Create the row with `new_target_row`'s columns, as the migrator keeps a legacy-only word.
    case create
    /// Refuse the whole statement with SQLSTATE 23503, naming the word: for a deployment where a
    /// token row is only ever made by the generation code.
    case refuse
}
