-- A minimal fold of the legacy tables into coordizer_vocabulary, following the data contract
-- (the migrator owns the real backfill). The legacy tables are dropped afterwards, so a rewritten
-- statement that still touched them would fail instead of passing by accident.
ALTER TABLE coordizer_vocabulary
    ADD COLUMN god_profile JSONB, ADD COLUMN relationships JSONB,
    ADD COLUMN merge_from_a INTEGER, ADD COLUMN merge_from_b INTEGER,
    ADD COLUMN phi_gain DOUBLE PRECISION, ADD COLUMN coupling DOUBLE PRECISION,
    ADD COLUMN active BOOLEAN DEFAULT true;
CREATE INDEX idx_coordizer_god_profile ON coordizer_vocabulary USING GIN (god_profile);
CREATE INDEX idx_coordizer_relationships ON coordizer_vocabulary USING GIN (relationships);
CREATE INDEX idx_coordizer_active ON coordizer_vocabulary (active);
CREATE INDEX idx_coordizer_generation_lookup ON coordizer_vocabulary (token_role, active, qfi_score);

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

-- Raises the legacy table's own error for the constraints a JSON fold cannot express
-- (NOT NULL, UNIQUE); rewritten writes call it.
CREATE FUNCTION pgcutover_check(ok boolean, state text, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
    END IF;
    RETURN true;
END
$$;
-- With DETAIL, HINT and the schema/table/column/constraint fields: as migration 0040 creates it.
CREATE FUNCTION pgcutover_check(
    ok boolean, state text, message text, detail text, hint text,
    schema_name text, table_name text, column_name text, constraint_name text
) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    options text := format('ERRCODE = %L, MESSAGE = %L', state, message);
BEGIN
    IF ok IS NOT TRUE THEN
        IF detail IS NOT NULL THEN options := options || format(', DETAIL = %L', detail); END IF;
        IF hint IS NOT NULL THEN options := options || format(', HINT = %L', hint); END IF;
        IF schema_name IS NOT NULL THEN options := options || format(', SCHEMA = %L', schema_name); END IF;
        IF table_name IS NOT NULL THEN options := options || format(', TABLE = %L', table_name); END IF;
        IF column_name IS NOT NULL THEN options := options || format(', COLUMN = %L', column_name); END IF;
        IF constraint_name IS NOT NULL THEN
            options := options || format(', CONSTRAINT = %L', constraint_name);
        END IF;
        EXECUTE format('DO %L', format('BEGIN RAISE EXCEPTION USING %s; END', options));
    END IF;
    RETURN true;
END
$$;
ANALYZE;
