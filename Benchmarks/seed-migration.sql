-- The data migration the seed document describes, written out as that document ran it: one
-- transaction that adds the columns, fills them from the legacy tables and builds the indexes.
-- Faithful to its loss: top 50 relationships per word, NULL phi values replaced by 0.5, no legacy ids,
-- words without a vocabulary row dropped silently. Used only by scripts/bench-migrate.sh as the
-- baseline; never run it against data you want to keep.
BEGIN;

ALTER TABLE coordizer_vocabulary
    ADD COLUMN god_profile JSONB,
    ADD COLUMN relationships JSONB,
    ADD COLUMN merge_from_a INTEGER,
    ADD COLUMN merge_from_b INTEGER,
    ADD COLUMN phi_gain FLOAT,
    ADD COLUMN coupling FLOAT,
    ADD COLUMN active BOOLEAN DEFAULT true;

UPDATE coordizer_vocabulary cv
SET god_profile = g.profile
FROM (
    SELECT word, jsonb_object_agg(god_name, jsonb_build_object(
               'relevance_score', relevance_score,
               'usage_count', usage_count,
               'last_used', last_used,
               'learned_from_phi', COALESCE(learned_from_phi, 0.5),
               'basin_distance', basin_distance)) AS profile
    FROM god_vocabulary_profiles
    GROUP BY word
) g
WHERE cv.token = g.word;

UPDATE coordizer_vocabulary cv
SET relationships = r.rels
FROM (
    SELECT word, jsonb_agg(jsonb_build_object(
               'neighbor', neighbor,
               'cooccurrence_count', cooccurrence_count,
               'strength', strength,
               'avg_phi', COALESCE(avg_phi, 0.5),
               'max_phi', COALESCE(max_phi, 0.5),
               'fisher_distance', fisher_distance,
               'contexts', contexts) ORDER BY cooccurrence_count DESC) AS rels
    FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY word ORDER BY cooccurrence_count DESC) AS rn
        FROM basin_relationships
    ) ranked
    WHERE rn <= 50
    GROUP BY word
) r
WHERE cv.token = r.word;

CREATE INDEX idx_coordizer_god_profile ON coordizer_vocabulary USING GIN (god_profile);
CREATE INDEX idx_coordizer_relationships ON coordizer_vocabulary USING GIN (relationships);
CREATE INDEX idx_coordizer_active ON coordizer_vocabulary (active);
CREATE INDEX idx_coordizer_generation_lookup ON coordizer_vocabulary (token_role, active, qfi_score);

COMMIT;
