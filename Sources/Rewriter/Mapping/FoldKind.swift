/// How a legacy table's rows live inside one column of the target table.
public enum FoldKind: String, Sendable, Decodable {
    /// A JSON object whose keys are the legacy key column (`god_profile` keyed by `god_name`).
    case keyedObject = "keyed-object"
    /// A JSON array of objects, each carrying the legacy key column as a member
    /// (`relationships`, elements identified by `neighbor`).
    case keyedArray = "keyed-array"
}
