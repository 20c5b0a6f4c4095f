-- Reverses 0050. Statements rewritten by a pgcutover whose mapping names assignment tables fail
-- until they are back.

-- pgcutover:step
DROP TABLE IF EXISTS pgcutover_assign_god_vocabulary_profiles, pgcutover_assign_basin_relationships;
