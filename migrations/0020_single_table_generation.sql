-- 0020: single-table generation (schema part).
-- Each "-- pgcutover:step" starts one statement that pgcutover sends on its own, outside any
-- transaction block, with a lock_timeout and retries; "index=NAME" tells it the step builds that index
-- CONCURRENTLY, so an INVALID leftover from an interrupted run is dropped and rebuilt.
-- The data move is the backfill named by the "-- pgcutover:backfill" line; pgcutover runs it, in short
-- batches, where that line stands: after the indexes are built over the still-empty columns (instant),
-- so the batches maintain them, on two connections, instead of CREATE INDEX CONCURRENTLY over the
-- filled columns afterwards (6-9 s for the GIN index on relationships alone at scale 1.0, one core).
-- While the backfill runs it raises the GIN indexes' gin_pending_list_limit and merges their pending
-- lists itself between batches, so no transaction holding row locks does (docs/migrator.md).

-- pgcutover:step
-- ADD COLUMN with a constant default is a catalog-only change (no table rewrite): the lock is brief.
ALTER TABLE coordizer_vocabulary
    ADD COLUMN IF NOT EXISTS god_profile JSONB,
    ADD COLUMN IF NOT EXISTS relationships JSONB,
    ADD COLUMN IF NOT EXISTS merge_from_a INTEGER,
    ADD COLUMN IF NOT EXISTS merge_from_b INTEGER,
    ADD COLUMN IF NOT EXISTS phi_gain DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS coupling DOUBLE PRECISION,
    ADD COLUMN IF NOT EXISTS active BOOLEAN DEFAULT true;

-- pgcutover:step
-- Rewritten writes (pgcutover serve --mode rewrite) raise the legacy tables' own constraint errors
-- (23502 NOT NULL, 23505 unique key, 21000 ON CONFLICT touching a row twice) through this function:
-- the JSONB folds cannot hold those constraints themselves (docs/rewriter.md).
CREATE OR REPLACE FUNCTION pgcutover_check(ok boolean, state text, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
    END IF;
    RETURN true;
END
$$;

-- pgcutover:step index=idx_coordizer_god_profile
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coordizer_god_profile
    ON coordizer_vocabulary USING GIN (god_profile);

-- pgcutover:step index=idx_coordizer_relationships
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coordizer_relationships
    ON coordizer_vocabulary USING GIN (relationships);

-- pgcutover:step index=idx_coordizer_active
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coordizer_active
    ON coordizer_vocabulary (active);

-- pgcutover:step index=idx_coordizer_generation_lookup
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_coordizer_generation_lookup
    ON coordizer_vocabulary (token_role, active, qfi_score);

-- pgcutover:backfill single-table-generation
