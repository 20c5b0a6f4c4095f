/// A statement the server runs in place of the client's: the client's text and its rewrite. The
/// server's error positions count in the rewrite; the client reads them in its own text.
struct RewrittenText: Equatable {
    let original: String
    let rewritten: String
}
