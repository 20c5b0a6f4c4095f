import Rewriter

/// The targets by the names the fuzz driver, scripts/fuzz.sh and the corpus folders
/// (Tests/Fuzz/corpus/<name>/) use.
public enum FuzzTargetName: String, CaseIterable, Sendable {
    /// Untyped startup-phase packets: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest.
    case startup
    /// Typed client messages.
    case frontend
    /// Typed server messages.
    case backend
    /// Query text through the rewriter and the audit's query identity.
    case rewriter

    /// Builds the target; only the rewriter's needs the mapping, read once here.
    public func makeTarget(mappingPath: String) throws -> any FuzzTarget {
        switch self {
        case .startup: StartupFuzzTarget()
        case .frontend: FrontendFuzzTarget()
        case .backend: BackendFuzzTarget()
        case .rewriter: RewriterFuzzTarget(mapping: try Rewriter.loadMapping(path: mappingPath))
        }
    }
}
