-- The seed document's migration shape (one transaction: add the columns, fill them, build the four
-- indexes over the filled columns) with pgcutover's lossless JSON instead of the seed's: every
-- relationship, NULL kept, the legacy ids and updated_at kept, words without a vocabulary row kept
-- as inactive token rows. The same content `pgcutover migrate up` writes (BackfillSQL), so the
-- benchmark can tell what the lossless content costs from what doing it online costs (on a copy of
-- the demo data with no writes after it, `pgcutover migrate verify` finds every legacy row). Used only by
-- scripts/bench-migrate.sh; it blocks every writer of coordizer_vocabulary until it commits.
BEGIN;
-- As the online backfill's batches store their JSON (lz4 where the server has it).
SET LOCAL default_toast_compression = lz4;

ALTER TABLE coordizer_vocabulary
    ADD COLUMN god_profile JSONB,
    ADD COLUMN relationships JSONB,
    ADD COLUMN merge_from_a INTEGER,
    ADD COLUMN merge_from_b INTEGER,
    ADD COLUMN phi_gain FLOAT,
    ADD COLUMN coupling FLOAT,
    ADD COLUMN active BOOLEAN DEFAULT true;

INSERT INTO coordizer_vocabulary (token, active, source_type)
SELECT w.word, false, 'pgcutover:legacy-only'
FROM (SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships) w
WHERE NOT EXISTS (SELECT 1 FROM coordizer_vocabulary cv WHERE cv.token = w.word)
ORDER BY w.word;

UPDATE coordizer_vocabulary cv
SET god_profile = g.profile
FROM (
    SELECT word, jsonb_object_agg(god_name, jsonb_build_object(
               'id', id,
               'relevance_score', relevance_score,
               'usage_count', usage_count,
               'last_used', last_used,
               'learned_from_phi', learned_from_phi,
               'basin_distance', basin_distance)) AS profile
    FROM god_vocabulary_profiles
    GROUP BY word
) g
WHERE cv.token = g.word;

UPDATE coordizer_vocabulary cv
SET relationships = r.rels
FROM (
    SELECT word, jsonb_agg(jsonb_build_object(
               'id', id,
               'neighbor', neighbor,
               'cooccurrence_count', cooccurrence_count,
               'strength', strength,
               'avg_phi', avg_phi,
               'max_phi', max_phi,
               'fisher_distance', fisher_distance,
               'contexts', contexts,
               'updated_at', updated_at) ORDER BY id) AS rels
    FROM basin_relationships
    GROUP BY word
) r
WHERE cv.token = r.word;

CREATE INDEX idx_coordizer_god_profile ON coordizer_vocabulary USING GIN (god_profile);
CREATE INDEX idx_coordizer_relationships ON coordizer_vocabulary USING GIN (relationships);
CREATE INDEX idx_coordizer_active ON coordizer_vocabulary (active);
CREATE INDEX idx_coordizer_generation_lookup ON coordizer_vocabulary (token_role, active, qfi_score);

COMMIT;
