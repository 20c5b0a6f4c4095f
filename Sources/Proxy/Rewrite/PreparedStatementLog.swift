import WireProtocol

/// The named statements a session prepares while it has no `RewritePipeline` (every table in
/// passthrough and no audit), kept only when their text may name a legacy table: when a reload
/// brings the pipeline, it takes them over, so that a driver's cached statement still gets its
/// new mode at its next Bind (`RewritePipeline.adopt`).
struct PreparedStatementLog {
    private(set) var statements: [String: Parse] = [:]

    mutating func clientFrameReceived(_ frame: Frame, router: StatementRouter) {
        switch frame.frontendID {
        case .parse?:
            // A frame that does not decode reaches the server as it is, which refuses it.
            guard let parse = try? Parse(frame: frame), !parse.statementName.isEmpty else { return }
            statements[parse.statementName] = router.rewriter.mayReferenceLegacyTable(parse.query) ? parse : nil
        case .close?:
            if let close = try? Close(frame: frame), case .statement(let name) = close.target {
                statements[name] = nil
            }
        default:
            break
        }
    }
}
