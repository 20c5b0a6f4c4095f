import Foundation
import Rewriter

// Uncached rewrite cost per statement shape, in microseconds.
//   swift build -c release --product rewriter-benchmark && .build/release/rewriter-benchmark [config/mapping.toml]
let path = CommandLine.arguments.dropFirst().first ?? "config/mapping.toml"
let rewriter = Rewriter(mapping: try Rewriter.loadMapping(path: path))

let shapes: [(String, String)] = [
    ("seed: god profile by god", "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1"),
    ("seed: relationships by words", "SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)"),
    ("full load", "SELECT word, neighbor, cooccurrence_count FROM basin_relationships ORDER BY word, cooccurrence_count DESC"),
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

let iterations = 2_000
let clock = ContinuousClock()
for (name, sql) in shapes {
    let outcome = rewriter.rewrite(sql)
    if case .refused(let error) = outcome { print("\(name): refused: \(error)") }
    for _ in 0..<100 { _ = rewriter.rewrite(sql) }
    let elapsed = clock.measure { for _ in 0..<iterations { _ = rewriter.rewrite(sql) } }
    let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        / Double(iterations)
    let padded = name.padding(toLength: 30, withPad: " ", startingAt: 0)
    print("\(padded) \(String(format: "%8.2f", micros)) µs")
}
