/// What the backfill tells its caller as it goes; the command line draws a bar or logs lines from it.
public enum BackfillEvent: Sendable {
    case message(String)
    /// Main pass: `done` of `total` token ids covered, `updated` rows changed so far.
    case progress(done: Int, total: Int, updated: Int)
}
