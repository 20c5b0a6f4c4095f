/// A top-level `WHERE` conjunct on a fold's key or join column whose operand is a constant or a
/// parameter, so the same condition can be stated on the target row's indexed columns.
struct PushdownPredicate {
    enum Form {
        case equals  // column = x
        case any  // column = ANY(x)
        case inList  // column IN (x, y)
    }

    /// A constant or parameter, to be re-emitted with the client's own tokens.
    enum Operand {
        /// `$n` or a string literal: one token starting at `location`.
        case token(location: Int)
        /// `ARRAY[...]` of such tokens.
        case array(elements: [Int])
    }

    let column: LegacyColumn
    let form: Form
    let operands: [Operand]
}
