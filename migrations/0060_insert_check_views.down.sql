-- Reverses 0060 (the rules go with their views). Statements rewritten by a pgcutover whose mapping
-- names insert check views fail until they are back.

-- pgcutover:step
DROP VIEW IF EXISTS pgcutover_insert_check_god_vocabulary_profiles, pgcutover_insert_check_basin_relationships;
