-- The legacy schema (exact, from the data contract) and a small deterministic data set with the
-- awkward values a fold must keep: NULLs in every nullable column, reals that are not short
-- decimals, microsecond timestamps, empty arrays, arrays with NULL elements and quotes, quotes
-- and non-ASCII in keys. Run once in the legacy database and once in the one that gets migrated.
CREATE TABLE coordizer_vocabulary (
    id SERIAL PRIMARY KEY,
    token TEXT NOT NULL CONSTRAINT tokenizer_vocabulary_token_unique UNIQUE,
    token_id INTEGER, frequency INTEGER DEFAULT 1, token_role TEXT DEFAULT 'encoding',
    qfi_score DOUBLE PRECISION, basin_embedding REAL[], source_type TEXT,
    created_at TIMESTAMP DEFAULT NOW(), updated_at TIMESTAMP DEFAULT NOW());
CREATE TABLE god_vocabulary_profiles (
    id SERIAL PRIMARY KEY, god_name TEXT NOT NULL, word TEXT NOT NULL,
    relevance_score REAL NOT NULL, usage_count INTEGER DEFAULT 0, last_used TIMESTAMP DEFAULT NOW(),
    learned_from_phi REAL, basin_distance REAL, UNIQUE (god_name, word));
CREATE TABLE basin_relationships (
    id SERIAL PRIMARY KEY, word TEXT NOT NULL, neighbor TEXT NOT NULL,
    cooccurrence_count REAL DEFAULT 1, strength REAL, avg_phi REAL, max_phi REAL,
    fisher_distance REAL, contexts TEXT[], updated_at TIMESTAMP DEFAULT NOW(),
    UNIQUE (word, neighbor));
-- Other tables legacy scripts join with.
CREATE TABLE vocabulary_learning (id SERIAL PRIMARY KEY, word TEXT NOT NULL, learned_from TEXT);

INSERT INTO coordizer_vocabulary (token, token_id, frequency, token_role, qfi_score, basin_embedding,
                                  source_type, created_at, updated_at)
SELECT 'w' || lpad(i::text, 3, '0'), i, i % 7,
       CASE WHEN i % 5 = 0 THEN 'merge' ELSE 'encoding' END, i / 7.0, ARRAY[i / 3.0, i / 9.0]::real[],
       'fixture', timestamp '2026-01-01 00:00:00' + i * interval '1 hour 7.123456 seconds',
       timestamp '2026-01-02' + i * interval '1 minute'
FROM generate_series(1, 120) AS i;
INSERT INTO coordizer_vocabulary (token, token_id, source_type, created_at, updated_at)
VALUES ('O''Brien', 1001, 'fixture', '2026-01-01', '2026-01-01'),
       ('Ζεύς', 1002, 'fixture', '2026-01-01', '2026-01-01'),
       ('with space', 1003, 'fixture', '2026-01-01', '2026-01-01');

INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used,
                                     learned_from_phi, basin_distance)
SELECT g.name, 'w' || lpad(i::text, 3, '0'), ((i * 37 + g.n * 11) % 100) / 97.0,
       CASE WHEN i % 11 = 0 THEN NULL ELSE (i * g.n) % 9 END,
       CASE WHEN i % 10 = 0 THEN NULL
            ELSE timestamp '2026-01-11 08:07:09.123456' + (i * g.n) * interval '13 minutes 0.000001 seconds' END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE i / 13.0 END,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 1.0 / (i + g.n) END
FROM (VALUES (1, 'zeus'), (2, 'athena'), (3, 'apollo'), (4, 'Hermes Trismegistus')) AS g(n, name),
     generate_series(1, 60) AS i
WHERE (i + g.n) % 3 <> 0
ORDER BY i, g.n;
INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used)
VALUES ('zeus', 'O''Brien', 0.5, 1, '2026-01-11 08:07:09'),
       ('O''Neil', 'Ζεύς', 1e-7, 2, '2026-01-11 08:07:09.5'),
       ('athena', 'with space', 3.4028235e38, 0, NULL);

INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, strength, avg_phi, max_phi,
                                 fisher_distance, contexts, updated_at)
SELECT 'w' || lpad(i::text, 3, '0'), 'w' || lpad(((i * k) % 120 + 1)::text, 3, '0'),
       (i * k) % 17 + 0.5,
       CASE WHEN k = 2 THEN NULL ELSE k / (i + 1.0) END,
       CASE WHEN i % 6 = 0 THEN NULL ELSE (i % 10) / 10.0 + 0.05 END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE 0.9 - k / 100.0 END,
       CASE WHEN i % 8 = 0 THEN NULL ELSE sqrt(i * k)::real END,
       CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '{}'::text[] WHEN 2 THEN ARRAY['ctx ' || i, 'a,b', 'quote"d']
                  WHEN 3 THEN ARRAY['x', NULL] ELSE ARRAY['only'] END,
       CASE WHEN i % 9 = 0 THEN NULL ELSE timestamp '2026-01-20 10:00:00.000001' + (i * k) * interval '1 second' END
FROM generate_series(1, 80) AS i, generate_series(1, 4) AS k
ORDER BY i, k
ON CONFLICT (word, neighbor) DO NOTHING;
INSERT INTO basin_relationships (word, neighbor, cooccurrence_count, contexts)
VALUES ('Ζεύς', 'O''Brien', 2, ARRAY['ünïcode', '']), ('with space', 'w001', 1, NULL);

INSERT INTO vocabulary_learning (word, learned_from)
SELECT 'w' || lpad(i::text, 3, '0'), CASE WHEN i % 2 = 0 THEN 'zeus' ELSE 'athena' END
FROM generate_series(1, 120, 3) AS i;
