/// Legacy writes, each run in a rolled-back transaction on the legacy tables and, rewritten, on
/// the folded columns. `error` is the SQLSTATE both must fail with, if the write must fail.
struct WriteCase: Sendable {
    let name: String
    let sql: String
    var error: String? = nil
}

import Foundation

enum WriteCorpus {
    static let cases: [WriteCase] = [
        // INSERT
        WriteCase(name: "insert one", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used) VALUES ('hera', 'w001', 0.7, 1, '2026-02-01')"),
        WriteCase(name: "insert multi-row with defaults", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used) VALUES ('hera', 'w002', 0.5, DEFAULT, '2026-02-01 10:00:00.5'), ('hera', 'w003', 0.25, 3, NULL), ('zeus', 'Ζεύς', 1e-3, 0, '2026-02-02')"),
        WriteCase(name: "insert creates token row", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, last_used) VALUES ('hera', 'brand new word', 0.9, '2026-03-01'), ('zeus', 'brand new word', 0.1, '2026-03-01')"),
        WriteCase(name: "insert relationships batch", sql: "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, fisher_distance, avg_phi, max_phi, contexts, updated_at) VALUES ('w001', 'x1', 2.0, 0.4, 0.6, 0.7, ARRAY['a', 'b'], '2026-03-01'), ('w001', 'x2', 1, NULL, NULL, NULL, NULL, '2026-03-01'), ('new word', 'w001', 3, 0.1, 0.2, 0.3, '{}', '2026-03-01')"),
        WriteCase(name: "insert returning", sql: "INSERT INTO basin_relationships (word, neighbor, contexts, updated_at) VALUES ('w005', 'zz', ARRAY['q'], '2026-03-01') RETURNING *"),
        WriteCase(name: "insert select not exists", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, last_used) SELECT learned_from, word, 0.5, '2026-03-01' FROM vocabulary_learning WHERE learned_from IS NOT NULL AND NOT EXISTS (SELECT 1 FROM god_vocabulary_profiles gvp WHERE gvp.god_name = vocabulary_learning.learned_from AND gvp.word = vocabulary_learning.word)"),
        WriteCase(name: "insert without column list", sql: "INSERT INTO god_vocabulary_profiles VALUES (DEFAULT, 'hera', 'w009', 0.5, 2, '2026-02-03')"),
        WriteCase(name: "insert select without column list", sql: "INSERT INTO basin_relationships SELECT 9000 + id, neighbor, word, cooccurrence_count, strength, avg_phi, max_phi, fisher_distance, contexts, updated_at FROM basin_relationships WHERE word = 'w002'"),
        WriteCase(name: "insert duplicate key", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('zeus', 'w001', 0.5)", error: "23505"),
        WriteCase(name: "insert duplicate within statement", sql: "INSERT INTO basin_relationships (word, neighbor) VALUES ('w001', 'dup'), ('w001', 'dup')", error: "23505"),
        WriteCase(name: "insert null not-null column", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('hera', 'w001', NULL)", error: "23502"),
        // psycopg2's execute_values: hundreds of rows in one VALUES list, some for new words.
        WriteCase(name: "execute_values batch upsert", sql: batchUpsert(rows: 300)),
        // ON CONFLICT
        WriteCase(name: "upsert profiles", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used) VALUES ('zeus', 'w001', 0.3, 1, '2026-04-01'), ('hera', 'w001', 0.3, 1, '2026-04-01') ON CONFLICT (god_name, word) DO UPDATE SET relevance_score = (god_vocabulary_profiles.relevance_score + 0.7) / 2, usage_count = god_vocabulary_profiles.usage_count + 1, last_used = '2026-04-01'"),
        WriteCase(name: "upsert relationships", sql: "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, fisher_distance, avg_phi, max_phi, contexts, updated_at) VALUES ('w001', 'w002', 20, 0.4, 0.6, 0.7, ARRAY['c'], '2026-04-01'), ('w003', 'w004', 1, 0.5, NULL, 0.9, ARRAY['d', 'e'], '2026-04-01'), ('w003', 'fresh', 1, 0.5, 0.5, 0.9, NULL, '2026-04-01') ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = GREATEST(basin_relationships.cooccurrence_count, EXCLUDED.cooccurrence_count), avg_phi = (COALESCE(basin_relationships.avg_phi, 0.5) + EXCLUDED.avg_phi) / 2.0, contexts = CASE WHEN COALESCE(array_length(basin_relationships.contexts, 1), 0) < 10 THEN COALESCE(basin_relationships.contexts, ARRAY[]::text[]) || EXCLUDED.contexts ELSE basin_relationships.contexts END, updated_at = '2026-04-01 00:00:01'"),
        WriteCase(name: "upsert with where", sql: "INSERT INTO god_vocabulary_profiles AS g (god_name, word, relevance_score) VALUES ('zeus', 'w001', 0.9), ('apollo', 'w001', 0.9) ON CONFLICT (word, god_name) DO UPDATE SET relevance_score = EXCLUDED.relevance_score WHERE g.usage_count > 2 RETURNING g.god_name, g.relevance_score"),
        WriteCase(name: "upsert twice", sql: "INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('zeus', 'w001', 0.9), ('zeus', 'w001', 0.8) ON CONFLICT (god_name, word) DO UPDATE SET relevance_score = EXCLUDED.relevance_score", error: "21000"),
        WriteCase(name: "insert do nothing", sql: "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, updated_at) VALUES ('w001', 'w002', 9, '2026-04-01'), ('w001', 'n1', 9, '2026-04-01'), ('w001', 'n1', 8, '2026-04-01') ON CONFLICT DO NOTHING"),
        // UPDATE
        WriteCase(name: "update by god", sql: "UPDATE god_vocabulary_profiles SET usage_count = usage_count + 1, last_used = '2026-05-01' WHERE god_name = 'zeus'"),
        WriteCase(name: "update relationships strength", sql: "WITH word_totals AS (SELECT word, SUM(cooccurrence_count) AS total_cooc FROM basin_relationships GROUP BY word) UPDATE basin_relationships wr SET strength = (wr.cooccurrence_count / NULLIF((SELECT total_cooc FROM word_totals WHERE word = wr.word), 0)) WHERE strength IS NULL OR strength = 0 OR updated_at >= '2026-01-20 10:01:00'"),
        WriteCase(name: "update returning", sql: "UPDATE basin_relationships SET contexts = contexts || ARRAY['more'], cooccurrence_count = DEFAULT WHERE word = 'w002' RETURNING id, neighbor, contexts, cooccurrence_count"),
        WriteCase(name: "update from", sql: "UPDATE god_vocabulary_profiles g SET relevance_score = 0.125 FROM vocabulary_learning vl WHERE vl.word = g.word AND vl.learned_from = g.god_name"),
        WriteCase(name: "update moves rows to another god", sql: "UPDATE god_vocabulary_profiles SET god_name = 'hera', usage_count = 0 WHERE god_name = 'zeus' AND word < 'w010'"),
        WriteCase(name: "update moves rows to another word", sql: "UPDATE basin_relationships SET word = 'moved word', strength = 1 WHERE word = 'w004' OR (word = 'w005' AND neighbor = 'w006')"),
        WriteCase(name: "update moves neighbor returning", sql: "UPDATE basin_relationships SET neighbor = neighbor || '-x' WHERE word = 'w002' RETURNING *"),
        WriteCase(name: "update key collides", sql: "UPDATE god_vocabulary_profiles SET god_name = 'athena' WHERE god_name = 'zeus' AND word = 'w003'", error: "23505"),
        // Rows are checked in id order, as the legacy table (loaded in id order) meets them.
        WriteCase(name: "update swaps two keys", sql: "UPDATE god_vocabulary_profiles SET god_name = CASE god_name WHEN 'zeus' THEN 'apollo' ELSE 'zeus' END WHERE word = 'w001' AND god_name IN ('zeus', 'apollo')", error: "23505"),
        WriteCase(name: "update chains keys in id order", sql: "UPDATE god_vocabulary_profiles SET god_name = CASE god_name WHEN 'zeus' THEN 'hera' WHEN 'athena' THEN 'zeus' ELSE 'athena' END WHERE word = 'w003'"),
        WriteCase(name: "update chains neighbors against id order", sql: "UPDATE basin_relationships SET neighbor = CASE neighbor WHEN 'w002' THEN 'w003' ELSE 'w020' END WHERE word = 'w001' AND neighbor IN ('w002', 'w003')", error: "23505"),
        WriteCase(name: "update nothing", sql: "UPDATE god_vocabulary_profiles SET usage_count = 0 WHERE god_name = 'nobody'"),
        WriteCase(name: "update to null violates", sql: "UPDATE god_vocabulary_profiles SET relevance_score = NULL WHERE word = 'w001'", error: "23502"),
        // DELETE
        WriteCase(name: "delete by god", sql: "DELETE FROM god_vocabulary_profiles WHERE god_name = 'apollo'"),
        WriteCase(name: "delete every row of a word", sql: "DELETE FROM basin_relationships WHERE word = 'w001'"),
        WriteCase(name: "delete using returning", sql: "DELETE FROM basin_relationships b USING vocabulary_learning vl WHERE vl.word = b.neighbor AND b.word < 'w020' RETURNING b.*"),
        WriteCase(name: "delete all", sql: "DELETE FROM god_vocabulary_profiles"),
    ]

    /// The issue's relationship upsert with `rows` rows: existing pairs, new pairs, new words.
    static func batchUpsert(rows: Int) -> String {
        let values = (0..<rows).map { i in
            let word = i % 7 == 0 ? "'batch word \(i % 5)'" : "'w\(String(format: "%03d", 1 + i % 80))'"
            let neighbor = "'w\(String(format: "%03d", 1 + (i * 7) % 120))'"
            return "(\(word), \(neighbor), \(i % 13).5, 0.\(i % 9), 0.\(i % 7), 0.9, ARRAY['b\(i)'], '2026-06-01 00:00:\(String(format: "%02d", i % 60))')"
        }
        // One VALUES list may not touch a (word, neighbor) twice under DO UPDATE; keep the first.
        var seen = Set<String>()
        let unique = values.filter { row in
            let key = row.split(separator: ",").prefix(2).joined(separator: ",")
            return seen.insert(key).inserted
        }
        return "INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, fisher_distance, avg_phi, max_phi, contexts, updated_at) VALUES "
            + unique.joined(separator: ", ")
            + " ON CONFLICT (word, neighbor) DO UPDATE SET cooccurrence_count = GREATEST(basin_relationships.cooccurrence_count, EXCLUDED.cooccurrence_count),"
            + " avg_phi = (COALESCE(basin_relationships.avg_phi, 0.5) + EXCLUDED.avg_phi) / 2.0, contexts = CASE WHEN"
            + " COALESCE(array_length(basin_relationships.contexts, 1), 0) < 10 THEN COALESCE(basin_relationships.contexts, ARRAY[]::text[])"
            + " || EXCLUDED.contexts ELSE basin_relationships.contexts END, updated_at = EXCLUDED.updated_at"
    }
}
