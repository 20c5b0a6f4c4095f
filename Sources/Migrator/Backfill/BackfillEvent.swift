/// What the backfill tells its caller as it goes; the command line draws a bar or logs lines from it.
public enum BackfillEvent: Sendable {
    case message(String)
    /// Main pass: `done` of `total` token ids covered, `doneAtStart` of them by earlier runs (a resumed
    /// pass), `updated` rows changed so far by this run.
    case progress(done: Int, doneAtStart: Int, total: Int, updated: Int)
}
