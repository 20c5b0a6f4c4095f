-- Reverses 0020. `pgcutover migrate down` runs these steps only after checking that the legacy
-- tables still hold everything the new columns hold (see docs/migrator.md).

-- pgcutover:step
DROP INDEX CONCURRENTLY IF EXISTS idx_coordizer_generation_lookup;

-- pgcutover:step
DROP INDEX CONCURRENTLY IF EXISTS idx_coordizer_active;

-- pgcutover:step
DROP INDEX CONCURRENTLY IF EXISTS idx_coordizer_relationships;

-- pgcutover:step
DROP INDEX CONCURRENTLY IF EXISTS idx_coordizer_god_profile;

-- pgcutover:step
-- Token rows the backfill created for legacy words that had none; their data lives on in the legacy tables.
DELETE FROM coordizer_vocabulary WHERE source_type = 'pgcutover:legacy-only' AND active = false;

-- pgcutover:step
ALTER TABLE coordizer_vocabulary
    DROP COLUMN IF EXISTS god_profile,
    DROP COLUMN IF EXISTS relationships,
    DROP COLUMN IF EXISTS merge_from_a,
    DROP COLUMN IF EXISTS merge_from_b,
    DROP COLUMN IF EXISTS phi_gain,
    DROP COLUMN IF EXISTS coupling,
    DROP COLUMN IF EXISTS active;

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_check(boolean, text, text);
