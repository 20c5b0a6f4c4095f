import Foundation
import Proxy
import Rewriter

// Rewrite cost per statement shape, in CPU microseconds: uncached (`Rewriter.rewrite`, parse to text),
// and on a hit of the proxy's cache (`StatementRouter.route`, what a session runs for every
// Query or Parse of a text it has seen: the legacy-name pre-check, the locked LRU lookup keyed by
// the statement text, the hit counter).
//   swift build -c release --product rewriter-benchmark && .build/release/rewriter-benchmark [config/mapping.toml]
// With `--print`, it prints the rewrite of the statement read from standard input instead (what
// the proxy would send), so that scripts can time the rewritten SQL on the server alone.
// `--only TEXT` runs only the shapes whose name contains TEXT, uncached (for a profiler).
var arguments = Array(CommandLine.arguments.dropFirst())
let printOnly = arguments.first == "--print"
if printOnly { arguments.removeFirst() }
var only: String?
if arguments.first == "--only", arguments.count > 1 {
    only = arguments[1]
    arguments.removeFirst(2)
}
let path = arguments.first ?? "config/mapping.toml"
let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: path))
let router = StatementRouter(rewriter: rewriter)

if printOnly {
    var input = ""
    while let line = readLine(strippingNewline: false) { input += line }
    switch rewriter.rewrite(input) {
    case .rewritten(let sql, _):
        print(sql)
        exit(0)
    case .passThrough:
        FileHandle.standardError.write(Data("rewriter-benchmark: not rewritten (pass-through)\n".utf8))
    case .refused(let error):
        FileHandle.standardError.write(Data("rewriter-benchmark: refused: \(error)\n".utf8))
    }
    exit(1)
}

let shapes: [(String, String)] = [
    ("seed: god profile by god", "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1"),
    ("seed: relationships by words", "SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)"),
    ("full load", "SELECT word, neighbor, cooccurrence_count FROM basin_relationships ORDER BY word, cooccurrence_count DESC"),
    ("join for one god", """
        SELECT g.word, g.relevance_score, b.neighbor, b.cooccurrence_count FROM god_vocabulary_profiles g \
        JOIN basin_relationships b ON b.word = g.word WHERE g.god_name = $1 ORDER BY b.cooccurrence_count DESC, b.neighbor LIMIT 50
        """),
    ("cte + join", """
        WITH word_totals AS (SELECT word, SUM(cooccurrence_count) AS total_cooc FROM basin_relationships GROUP BY word), \
        top AS (SELECT * FROM word_totals WHERE total_cooc > 30) SELECT b.word, b.neighbor, b.cooccurrence_count / t.total_cooc \
        FROM basin_relationships b JOIN top t ON t.word = b.word
        """),
    ("upsert (3 rows)", """
        INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count) VALUES ('zeus', 'a', 0.7, 1), \
        ('hera', 'b', 0.7, 1), ('apollo', 'c', 0.7, 1) ON CONFLICT (god_name, word) DO UPDATE SET relevance_score = \
        (god_vocabulary_profiles.relevance_score + 0.7) / 2, usage_count = god_vocabulary_profiles.usage_count + 1, last_used = NOW()
        """),
    ("update with cte", """
        WITH word_totals AS (SELECT word, SUM(cooccurrence_count) AS total_cooc FROM basin_relationships GROUP BY word) \
        UPDATE basin_relationships wr SET strength = wr.cooccurrence_count / NULLIF((SELECT total_cooc FROM word_totals \
        WHERE word = wr.word), 0) WHERE strength IS NULL OR strength = 0
        """),
    ("execute_values (300 rows)", "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, contexts) VALUES "
        + (0..<300).map { "('w\($0 % 80)', 'n\($0)', \($0).5, ARRAY['c\($0)'])" }.joined(separator: ", ")
        + " ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = basin_relationships.cooccurrence_count + 1"),
    ("unrelated (pre-check only)", "SELECT token, qfi_score FROM coordizer_vocabulary WHERE token = ANY($1) AND active"),
]

/// The CPU time this thread has used, in microseconds. Wall time on a machine shared with builds
/// counts the time other processes run; CPU time counts only the work measured.
func threadCPUMicros() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
}

/// Mean CPU microseconds per call of `body` over `iterations` calls, after a warm-up.
func micros(_ iterations: Int, _ body: () -> Void) -> Double {
    for _ in 0..<max(10, iterations / 20) { body() }
    let start = threadCPUMicros()
    for _ in 0..<iterations { body() }
    return (threadCPUMicros() - start) / Double(iterations)
}

print("statement                      bytes   uncached µs   cache hit µs")
for (name, sql) in shapes where only.map(name.contains) ?? true {
    if only != nil {
        print(name, String(format: "%.2f µs", micros(2_000) { _ = rewriter.rewrite(sql) }))
        continue
    }
    let outcome = rewriter.rewrite(sql)
    if case .refused(let error) = outcome { print("\(name): refused: \(error)") }
    let uncached = micros(sql.utf8.count > 4000 ? 300 : 2_000) { _ = rewriter.rewrite(sql) }
    _ = router.route(sql)
    let hit = micros(200_000) { _ = router.route(sql) }
    let padded = name.padding(toLength: 30, withPad: " ", startingAt: 0)
    print("\(padded) \(String(format: "%5d %13.2f %14.3f", sql.utf8.count, uncached, hit))")
}
