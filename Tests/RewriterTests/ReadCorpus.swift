/// Legacy reads run against the legacy tables and, rewritten, against the folded columns.
/// `ordered` cases have a total ORDER BY and are compared row by row; the others as multisets.
/// `arguments` makes the statement a prepared one executed with those argument texts.
struct ReadCase: Sendable {
    let name: String
    let sql: String
    var ordered = false
    var arguments: String? = nil
}

enum ReadCorpus {
    static let seed: [ReadCase] = [
        ReadCase(
            name: "seed god profile by god", sql: "SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1",
            arguments: "'zeus'"),
        ReadCase(
            name: "seed relationships by words", sql: "SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)",
            arguments: "ARRAY['w001', 'w002', 'w010', 'Ζεύς']"),
    ]

    static let cases: [ReadCase] = seed + [
        // SELECT * and projections
        ReadCase(name: "star gvp", sql: "SELECT * FROM god_vocabulary_profiles"),
        ReadCase(name: "star br", sql: "SELECT * FROM basin_relationships"),
        ReadCase(name: "star gvp ordered", sql: "SELECT * FROM god_vocabulary_profiles ORDER BY id", ordered: true),
        ReadCase(name: "qualified star", sql: "SELECT b.* FROM basin_relationships b WHERE b.id < 40"),
        ReadCase(name: "projection reordered", sql: "SELECT basin_distance, word, id, god_name FROM god_vocabulary_profiles"),
        ReadCase(name: "expressions", sql: "SELECT id, relevance_score * 2, pg_typeof(relevance_score)::text, last_used + interval '1 day' FROM god_vocabulary_profiles"),
        ReadCase(name: "array access", sql: "SELECT id, contexts[1], array_length(contexts, 1), contexts FROM basin_relationships"),
        ReadCase(name: "table-qualified columns", sql: "SELECT god_vocabulary_profiles.word, god_vocabulary_profiles.usage_count FROM god_vocabulary_profiles"),
        // WHERE on every column
        ReadCase(name: "where id", sql: "SELECT * FROM god_vocabulary_profiles WHERE id = 5"),
        ReadCase(name: "where god_name", sql: "SELECT id, word FROM god_vocabulary_profiles WHERE god_name = 'athena'"),
        ReadCase(name: "where god_name spaced", sql: "SELECT id, word FROM god_vocabulary_profiles WHERE god_name = 'Hermes Trismegistus'"),
        ReadCase(name: "where god_name quoted", sql: "SELECT * FROM god_vocabulary_profiles WHERE god_name = 'O''Neil'"),
        ReadCase(name: "where word", sql: "SELECT * FROM god_vocabulary_profiles WHERE word = 'w007'"),
        ReadCase(name: "where word unicode", sql: "SELECT * FROM god_vocabulary_profiles WHERE word = 'Ζεύς'"),
        ReadCase(name: "where relevance_score", sql: "SELECT id FROM god_vocabulary_profiles WHERE relevance_score > 0.5"),
        ReadCase(name: "where relevance_score exact real", sql: "SELECT id FROM god_vocabulary_profiles WHERE relevance_score = 1e-7::real OR relevance_score = 3.4028235e38::real"),
        ReadCase(name: "where usage_count null", sql: "SELECT id, word FROM god_vocabulary_profiles WHERE usage_count IS NULL"),
        ReadCase(name: "where last_used", sql: "SELECT id, last_used FROM god_vocabulary_profiles WHERE last_used < '2026-01-11 12:00'"),
        ReadCase(name: "where learned_from_phi null", sql: "SELECT id FROM god_vocabulary_profiles WHERE learned_from_phi IS NULL"),
        ReadCase(name: "where basin_distance", sql: "SELECT id, basin_distance FROM god_vocabulary_profiles WHERE basin_distance BETWEEN 0.01 AND 0.05"),
        ReadCase(name: "where br word", sql: "SELECT * FROM basin_relationships WHERE word = 'w003'"),
        ReadCase(name: "where br neighbor", sql: "SELECT * FROM basin_relationships WHERE neighbor = 'w010'"),
        ReadCase(name: "where br neighbor quoted", sql: "SELECT * FROM basin_relationships WHERE neighbor = 'O''Brien'"),
        ReadCase(name: "where cooccurrence", sql: "SELECT id, cooccurrence_count FROM basin_relationships WHERE cooccurrence_count >= 10"),
        ReadCase(name: "where strength null", sql: "SELECT id FROM basin_relationships WHERE strength IS NULL"),
        ReadCase(name: "where avg_phi", sql: "SELECT id, avg_phi FROM basin_relationships WHERE avg_phi > 0.5"),
        ReadCase(name: "where max_phi", sql: "SELECT id, max_phi FROM basin_relationships WHERE max_phi < 0.88"),
        ReadCase(name: "where fisher_distance", sql: "SELECT id FROM basin_relationships WHERE fisher_distance > 10"),
        ReadCase(name: "where contexts null", sql: "SELECT id FROM basin_relationships WHERE contexts IS NULL"),
        ReadCase(name: "where contexts empty", sql: "SELECT id FROM basin_relationships WHERE contexts = '{}'"),
        ReadCase(name: "where contexts contains", sql: "SELECT id, contexts FROM basin_relationships WHERE 'a,b' = ANY(contexts)"),
        ReadCase(name: "where contexts null element", sql: "SELECT id FROM basin_relationships WHERE contexts = ARRAY['x', NULL]"),
        ReadCase(name: "where updated_at", sql: "SELECT id, updated_at FROM basin_relationships WHERE updated_at > '2026-01-20 10:01:00'"),
        ReadCase(name: "where id in", sql: "SELECT * FROM basin_relationships WHERE id IN (1, 2, 3, 300)"),
        ReadCase(name: "where god_name in", sql: "SELECT word FROM god_vocabulary_profiles WHERE god_name IN ('zeus', 'apollo')"),
        ReadCase(name: "where word in", sql: "SELECT neighbor FROM basin_relationships WHERE word IN ('w001', 'w005')"),
        ReadCase(name: "where word any array", sql: "SELECT neighbor FROM basin_relationships WHERE word = ANY(ARRAY['w001', 'w005'])"),
        ReadCase(name: "where or", sql: "SELECT god_name, word FROM god_vocabulary_profiles WHERE god_name = 'zeus' OR word = 'w001'"),
        ReadCase(name: "where two keys", sql: "SELECT * FROM god_vocabulary_profiles WHERE god_name = 'zeus' AND word = 'w004'"),
        // Parameters
        ReadCase(name: "params word and god", sql: "SELECT * FROM god_vocabulary_profiles WHERE word = $1 AND god_name = $2", arguments: "'w004', 'zeus'"),
        ReadCase(name: "param neighbor", sql: "SELECT * FROM basin_relationships WHERE neighbor = $1", arguments: "'w010'"),
        ReadCase(name: "param god any", sql: "SELECT * FROM god_vocabulary_profiles WHERE god_name = ANY($1)", arguments: "ARRAY['athena', 'O''Neil']"),
        ReadCase(name: "param score", sql: "SELECT id FROM god_vocabulary_profiles WHERE relevance_score > $1 AND god_name = $2", arguments: "0.3, 'apollo'"),
        ReadCase(name: "param limit", sql: "SELECT id FROM basin_relationships ORDER BY id LIMIT $1", ordered: true, arguments: "5"),
        // Names: qualified, quoted, ONLY
        ReadCase(name: "public qualified", sql: "SELECT * FROM public.god_vocabulary_profiles"),
        ReadCase(name: "quoted", sql: "SELECT * FROM \"basin_relationships\" b WHERE b.word = 'w002'"),
        ReadCase(name: "upper-case unquoted", sql: "SELECT ID, WORD FROM PUBLIC.GOD_VOCABULARY_PROFILES WHERE GOD_NAME = 'zeus'"),
        ReadCase(name: "only", sql: "SELECT count(*) FROM ONLY god_vocabulary_profiles"),
        ReadCase(name: "column aliases", sql: "SELECT a, c FROM basin_relationships AS x(a, b, c) WHERE x.b = 'w002'"),
        // Joins
        ReadCase(name: "join legacy tables", sql: "SELECT g.god_name, g.word, b.neighbor, b.strength FROM god_vocabulary_profiles g JOIN basin_relationships b ON b.word = g.word"),
        ReadCase(name: "join with vocabulary", sql: "SELECT cv.token, cv.frequency, g.relevance_score FROM god_vocabulary_profiles g JOIN coordizer_vocabulary cv ON cv.token = g.word WHERE g.god_name = 'athena'"),
        ReadCase(name: "left join pushdown", sql: "SELECT cv.token, g.god_name FROM coordizer_vocabulary cv LEFT JOIN god_vocabulary_profiles g ON g.word = cv.token WHERE g.god_name = 'zeus'"),
        ReadCase(name: "left join keeps unmatched", sql: "SELECT cv.token, g.god_name FROM coordizer_vocabulary cv LEFT JOIN god_vocabulary_profiles g ON g.word = cv.token AND g.god_name = 'zeus'"),
        ReadCase(name: "self join", sql: "SELECT a.word, b.neighbor FROM basin_relationships a JOIN basin_relationships b ON b.word = a.neighbor WHERE a.word = 'w002'"),
        ReadCase(name: "join using", sql: "SELECT word, god_name, neighbor FROM god_vocabulary_profiles JOIN basin_relationships USING (word) WHERE word = 'w001'"),
        ReadCase(name: "comma join both pushdowns", sql: "SELECT g.id, b.id FROM god_vocabulary_profiles g, basin_relationships b WHERE g.word = b.word AND g.god_name = 'zeus' AND b.neighbor = 'w002'"),
        ReadCase(name: "anti join other table", sql: "SELECT wr.word, wr.neighbor, wr.cooccurrence_count FROM basin_relationships wr LEFT JOIN vocabulary_learning vl ON vl.word = wr.neighbor WHERE vl.id IS NULL ORDER BY wr.cooccurrence_count DESC, wr.id LIMIT 20", ordered: true),
        // Aggregates, grouping, distinct, ordering
        ReadCase(name: "count star", sql: "SELECT COUNT(*) FROM basin_relationships"),
        ReadCase(name: "group by having", sql: "SELECT god_name, count(*), avg(relevance_score), max(last_used), sum(usage_count) FROM god_vocabulary_profiles GROUP BY god_name HAVING count(*) > 1"),
        ReadCase(name: "group by ordered", sql: "SELECT word, sum(cooccurrence_count) AS total FROM basin_relationships GROUP BY word ORDER BY word", ordered: true),
        ReadCase(name: "full load", sql: "SELECT word, neighbor, cooccurrence_count FROM basin_relationships ORDER BY word, cooccurrence_count DESC"),
        ReadCase(name: "full load total order", sql: "SELECT word, neighbor, cooccurrence_count FROM basin_relationships ORDER BY word, cooccurrence_count DESC, id", ordered: true),
        ReadCase(name: "limit offset", sql: "SELECT id, word FROM god_vocabulary_profiles ORDER BY relevance_score DESC, id LIMIT 10 OFFSET 5", ordered: true),
        ReadCase(name: "distinct", sql: "SELECT DISTINCT god_name FROM god_vocabulary_profiles"),
        ReadCase(name: "distinct on", sql: "SELECT DISTINCT ON (word) word, neighbor FROM basin_relationships ORDER BY word, cooccurrence_count DESC, id", ordered: true),
        ReadCase(name: "array_agg", sql: "SELECT word, array_agg(neighbor ORDER BY id) FROM basin_relationships GROUP BY word"),
        // Subqueries, EXISTS, set operations, windows, CTEs, LATERAL
        ReadCase(name: "in subquery", sql: "SELECT * FROM god_vocabulary_profiles WHERE word IN (SELECT word FROM basin_relationships WHERE cooccurrence_count > 12)"),
        ReadCase(name: "scalar subquery", sql: "SELECT g.word, (SELECT count(*) FROM basin_relationships b WHERE b.word = g.word) FROM god_vocabulary_profiles g WHERE g.god_name = 'apollo'"),
        ReadCase(name: "derived table", sql: "SELECT x.word FROM (SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus') x"),
        ReadCase(name: "exists", sql: "SELECT token FROM coordizer_vocabulary cv WHERE EXISTS (SELECT 1 FROM god_vocabulary_profiles g WHERE g.word = cv.token AND g.god_name = 'zeus')"),
        ReadCase(name: "not exists", sql: "SELECT token FROM coordizer_vocabulary cv WHERE NOT EXISTS (SELECT 1 FROM basin_relationships b WHERE b.word = cv.token)"),
        ReadCase(name: "union", sql: "SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships"),
        ReadCase(name: "union all", sql: "SELECT word, 'g' FROM god_vocabulary_profiles WHERE god_name = 'zeus' UNION ALL SELECT neighbor, 'b' FROM basin_relationships WHERE word = 'w001'"),
        ReadCase(name: "intersect except", sql: "(SELECT word FROM god_vocabulary_profiles INTERSECT SELECT word FROM basin_relationships) EXCEPT SELECT neighbor FROM basin_relationships"),
        ReadCase(name: "window", sql: "SELECT god_name, word, rank() OVER (PARTITION BY god_name ORDER BY relevance_score DESC, id) FROM god_vocabulary_profiles"),
        ReadCase(name: "window running sum", sql: "SELECT id, sum(cooccurrence_count) OVER (ORDER BY id) FROM basin_relationships ORDER BY id", ordered: true),
        ReadCase(name: "cte", sql: "WITH t AS (SELECT * FROM god_vocabulary_profiles WHERE god_name = 'zeus') SELECT count(*), max(relevance_score) FROM t"),
        ReadCase(name: "cte shadowing", sql: "WITH god_vocabulary_profiles AS (SELECT * FROM god_vocabulary_profiles WHERE usage_count > 3) SELECT god_name, word FROM god_vocabulary_profiles"),
        ReadCase(name: "cte chain", sql: "WITH word_totals AS (SELECT word, SUM(cooccurrence_count) AS total_cooc FROM basin_relationships GROUP BY word), top AS (SELECT * FROM word_totals WHERE total_cooc > 30) SELECT b.word, b.neighbor, b.cooccurrence_count / t.total_cooc FROM basin_relationships b JOIN top t ON t.word = b.word"),
        ReadCase(name: "recursive cte", sql: "WITH RECURSIVE walk(word, depth) AS (SELECT 'w001'::text, 0 UNION SELECT b.neighbor, w.depth + 1 FROM walk w JOIN basin_relationships b ON b.word = w.word WHERE w.depth < 3) SELECT word, min(depth) FROM walk GROUP BY word"),
        ReadCase(name: "lateral", sql: "SELECT cv.token, top.neighbor FROM coordizer_vocabulary cv CROSS JOIN LATERAL (SELECT neighbor FROM basin_relationships b WHERE b.word = cv.token ORDER BY cooccurrence_count DESC, id LIMIT 2) top"),
        ReadCase(name: "json of rows", sql: "SELECT json_agg(json_build_object('w', word, 's', relevance_score) ORDER BY id) FROM god_vocabulary_profiles WHERE god_name = 'athena'"),
        ReadCase(name: "literal and comment mention", sql: "SELECT 'god_vocabulary_profiles' AS t, count(*) /* basin_relationships */ FROM basin_relationships"),
        ReadCase(name: "issue not-exists shape", sql: "SELECT vl.word, vl.learned_from FROM vocabulary_learning vl WHERE NOT EXISTS (SELECT 1 FROM god_vocabulary_profiles gvp WHERE gvp.god_name = vl.learned_from AND gvp.word = vl.word)"),
    ]

    static let copies: [String] = [
        "COPY basin_relationships TO STDOUT",
        "COPY god_vocabulary_profiles (god_name, word, last_used) TO STDOUT WITH (FORMAT csv)",
        "COPY (SELECT word, neighbor FROM basin_relationships WHERE word = 'w001') TO STDOUT",
        "COPY public.god_vocabulary_profiles TO STDOUT (FORMAT csv, HEADER)",
    ]
}
