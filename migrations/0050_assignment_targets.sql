-- 0050: empty tables shaped like the legacy tables, for the type rules of rewritten UPDATEs.
-- A legacy UPDATE converted each SET value to its column's type with the server's assignment rules
-- (42804 "column … is of type text[] but expression is of type text" where only an explicit cast
-- would do). A rewritten UPDATE computes the new values in a SELECT, where no assignment rule
-- applies; it also runs the client's SET list, FROM and WHERE as an UPDATE of these tables, which
-- have the legacy column names and types, joined with a relation of no rows, so the server
-- analyses the statement exactly as it analysed the legacy one and raises the legacy error itself,
-- and the UPDATE touches no row: the tables stay empty, and every role may use them
-- (docs/rewriter.md, "SET values follow the legacy assignment rules").
-- Applied with 0020's columns, like 0040: rewritten writes use them whatever stage the backfill is at.
-- pgcutover:during-backfill

-- pgcutover:step
CREATE TABLE IF NOT EXISTS pgcutover_assign_god_vocabulary_profiles (
    id INTEGER, god_name TEXT, word TEXT, relevance_score REAL, usage_count INTEGER,
    last_used TIMESTAMP, learned_from_phi REAL, basin_distance REAL);

-- pgcutover:step
CREATE TABLE IF NOT EXISTS pgcutover_assign_basin_relationships (
    id INTEGER, word TEXT, neighbor TEXT, cooccurrence_count REAL, strength REAL, avg_phi REAL,
    max_phi REAL, fisher_distance REAL, contexts TEXT[], updated_at TIMESTAMP);

-- pgcutover:step
GRANT SELECT, UPDATE ON pgcutover_assign_god_vocabulary_profiles, pgcutover_assign_basin_relationships TO PUBLIC;
