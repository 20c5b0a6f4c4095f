-- Reverses 0030: the sync triggers and their functions go; the data they wrote stays where it is.
-- Run before 0020's down (`pgcutover migrate down` reverses the newest applied migration only).

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_reverse_sync ON coordizer_vocabulary;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_reverse_normalize ON coordizer_vocabulary;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_truncate ON basin_relationships;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_insert ON basin_relationships;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_update ON basin_relationships;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_delete ON basin_relationships;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_truncate ON god_vocabulary_profiles;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_insert ON god_vocabulary_profiles;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_update ON god_vocabulary_profiles;

-- pgcutover:step
DROP TRIGGER IF EXISTS pgcutover_forward_sync_delete ON god_vocabulary_profiles;

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_reverse_sync();

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_reverse_normalize();

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_normalized_relationships(jsonb);

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_normalized_god_profile(jsonb);

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_forward_relationships();

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_forward_god_profile();

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_relationships_apply(jsonb, integer[], jsonb);

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_profile_apply(jsonb, integer[], jsonb);

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_sync_wants(text, text);
