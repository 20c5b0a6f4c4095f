-- A minimal fold of the legacy tables into coordizer_vocabulary, following the data contract
-- (the migrator owns the real backfill). The legacy tables are dropped afterwards, so a rewritten
-- statement that still touched them would fail instead of passing by accident.
-- It stands in for 0020's backfill: the columns, indexes and functions come from the migration
-- files themselves, in the order listed in migrated.txt.
INSERT INTO coordizer_vocabulary (token, active, source_type)
SELECT w.word, false, 'pgcutover:legacy-only'
FROM (SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships) AS w
WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary c WHERE c.token = w.word);

UPDATE coordizer_vocabulary AS cv SET
    god_profile = (
        SELECT jsonb_object_agg(g.god_name, jsonb_build_object(
            'id', g.id, 'relevance_score', g.relevance_score, 'usage_count', g.usage_count,
            'last_used', g.last_used, 'learned_from_phi', g.learned_from_phi,
            'basin_distance', g.basin_distance))
        FROM god_vocabulary_profiles AS g WHERE g.word = cv.token),
    relationships = (
        SELECT jsonb_agg(jsonb_build_object(
            'id', b.id, 'neighbor', b.neighbor, 'cooccurrence_count', b.cooccurrence_count,
            'strength', b.strength, 'avg_phi', b.avg_phi, 'max_phi', b.max_phi,
            'fisher_distance', b.fisher_distance, 'contexts', b.contexts, 'updated_at', b.updated_at)
            ORDER BY b.id)
        FROM basin_relationships AS b WHERE b.word = cv.token);

-- The id sequences outlive the tables: rows written through the rewriter still take ids from them.
ALTER SEQUENCE god_vocabulary_profiles_id_seq OWNED BY NONE;
ALTER SEQUENCE basin_relationships_id_seq OWNED BY NONE;
DROP TABLE god_vocabulary_profiles, basin_relationships;

ANALYZE;
