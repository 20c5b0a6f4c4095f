-- 0030: dual-write and reverse dual-write, done by the database in the writer's own transaction.
-- forward (legacy table -> fold): every row a legacy write changes is applied to its token row's JSON.
-- reverse (fold -> legacy table): every element a write to god_profile / relationships changes is
-- applied to the legacy table, under the same id.
-- Each trigger acts only when the session setting pgcutover.sync names its table and direction
-- ("god_vocabulary_profiles=forward,basin_relationships=reverse"; absent or empty: nothing), which
-- the proxy sets per session and other writers set with ALTER ROLE ... SET (docs/migrator.md). The
-- WHEN clause tests it before any function is called, so the path with sync off costs one strpos.
-- A trigger's own writes fire the other direction's triggers one level deeper; those do nothing
-- (pg_trigger_depth() > 1), so a change never bounces back.
-- The JSON is exactly the backfill's and the rewriter's: jsonb_build_object of the typed columns,
-- relationships ordered by id, NULL (not {} or []) when a word has no rows left, and a token row
-- (active = false, source_type 'pgcutover:legacy-only') created for a word that has none.
-- Every write to coordizer_vocabulary below computes the new JSON from the column itself, so under
-- READ COMMITTED it is computed from the row version the UPDATE locked, never from an earlier read.

-- pgcutover:step
-- True when pgcutover.sync lists "<legacy_table>=<direction>".
CREATE OR REPLACE FUNCTION pgcutover_sync_wants(legacy_table text, direction text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM unnest(string_to_array(coalesce(current_setting('pgcutover.sync', true), ''), ',')) AS item
        WHERE btrim(item) = legacy_table || '=' || direction)
$$;

-- pgcutover:step
-- The relationships array with the elements whose id is drop_id or element's id removed, element
-- added (unless NULL), ordered by id as the backfill writes it; NULL when nothing is left.
CREATE OR REPLACE FUNCTION pgcutover_relationships_put(current jsonb, drop_id integer, element jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_agg(x.v ORDER BY (x.v->>'id')::integer, x.o, x.n)
    FROM (
        SELECT e.value, 0, e.n
        FROM jsonb_array_elements(coalesce(current, '[]'::jsonb)) WITH ORDINALITY AS e(value, n)
        WHERE (e.value->>'id')::integer IS DISTINCT FROM drop_id
          AND (element IS NULL OR (e.value->>'id')::integer IS DISTINCT FROM (element->>'id')::integer)
        UNION ALL
        SELECT element, 1, 0 WHERE element IS NOT NULL
    ) AS x(v, o, n)
$$;

-- pgcutover:step
CREATE OR REPLACE FUNCTION pgcutover_forward_god_profile() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    added jsonb;
BEGIN
    IF pg_trigger_depth() > 1 OR NOT pgcutover_sync_wants('god_vocabulary_profiles', 'forward') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE coordizer_vocabulary SET god_profile = NULL WHERE god_profile IS NOT NULL;
        RETURN NULL;
    END IF;
    -- The old element goes only if it is still this row's (same id): when one statement moves rows
    -- between keys, another row may already have put its element under the old key.
    IF TG_OP = 'DELETE' OR OLD.word IS DISTINCT FROM NEW.word THEN
        UPDATE coordizer_vocabulary AS cv SET god_profile = nullif(cv.god_profile - OLD.god_name, '{}'::jsonb)
        WHERE cv.token = OLD.word AND (cv.god_profile -> OLD.god_name ->> 'id')::integer = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN NULL;
    END IF;
    added := jsonb_build_object(NEW.god_name, jsonb_build_object(
        'id', NEW.id, 'relevance_score', NEW.relevance_score, 'usage_count', NEW.usage_count,
        'last_used', NEW.last_used, 'learned_from_phi', NEW.learned_from_phi, 'basin_distance', NEW.basin_distance));
    IF TG_OP = 'UPDATE' AND OLD.word = NEW.word THEN
        UPDATE coordizer_vocabulary AS cv
        SET god_profile = CASE WHEN (cv.god_profile -> OLD.god_name ->> 'id')::integer = OLD.id
                               THEN cv.god_profile - OLD.god_name
                               ELSE coalesce(cv.god_profile, '{}'::jsonb) END || added
        WHERE cv.token = NEW.word;
    ELSE
        UPDATE coordizer_vocabulary AS cv SET god_profile = coalesce(cv.god_profile, '{}'::jsonb) || added
        WHERE cv.token = NEW.word;
    END IF;
    IF NOT FOUND THEN
        -- UPDATE first: an INSERT ... ON CONFLICT would take a coordizer_vocabulary id on every write.
        INSERT INTO coordizer_vocabulary AS cv (token, active, source_type, god_profile)
        VALUES (NEW.word, false, 'pgcutover:legacy-only', added)
        ON CONFLICT (token) DO UPDATE SET god_profile = coalesce(cv.god_profile, '{}'::jsonb) || excluded.god_profile;
    END IF;
    RETURN NULL;
END
$$;

-- pgcutover:step
CREATE OR REPLACE FUNCTION pgcutover_forward_relationships() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    element jsonb;
    drop_id integer;
BEGIN
    IF pg_trigger_depth() > 1 OR NOT pgcutover_sync_wants('basin_relationships', 'forward') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE coordizer_vocabulary SET relationships = NULL WHERE relationships IS NOT NULL;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.word IS DISTINCT FROM NEW.word THEN
        UPDATE coordizer_vocabulary AS cv SET relationships = pgcutover_relationships_put(cv.relationships, OLD.id, NULL)
        WHERE cv.token = OLD.word AND cv.relationships @> jsonb_build_array(jsonb_build_object('id', OLD.id));
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.word = NEW.word THEN
        drop_id := OLD.id;
    END IF;
    element := jsonb_build_object(
        'id', NEW.id, 'neighbor', NEW.neighbor, 'cooccurrence_count', NEW.cooccurrence_count,
        'strength', NEW.strength, 'avg_phi', NEW.avg_phi, 'max_phi', NEW.max_phi,
        'fisher_distance', NEW.fisher_distance, 'contexts', NEW.contexts, 'updated_at', NEW.updated_at);
    UPDATE coordizer_vocabulary AS cv SET relationships = pgcutover_relationships_put(cv.relationships, drop_id, element)
    WHERE cv.token = NEW.word;
    IF NOT FOUND THEN
        INSERT INTO coordizer_vocabulary AS cv (token, active, source_type, relationships)
        VALUES (NEW.word, false, 'pgcutover:legacy-only', jsonb_build_array(element))
        ON CONFLICT (token) DO UPDATE
        SET relationships = pgcutover_relationships_put(cv.relationships, NULL, excluded.relationships->0);
    END IF;
    RETURN NULL;
END
$$;

-- pgcutover:step
-- Reverse sync, before the write: completes the elements a writer of the JSON put in, as the legacy
-- table would complete its row (a missing id from the legacy sequence, column defaults for missing
-- keys), and stores each value as the legacy column type holds it, so the JSON and the legacy row
-- stay identical (migrate verify clean). Keys the legacy tables do not know are kept.
CREATE OR REPLACE FUNCTION pgcutover_normalized_god_profile(profile jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
    SELECT nullif(jsonb_object_agg(e.key, e.value || jsonb_build_object(
               'id', coalesce((e.value->>'id')::integer, nextval('god_vocabulary_profiles_id_seq')::integer),
               'relevance_score', (e.value->>'relevance_score')::real,
               'usage_count', CASE WHEN e.value ? 'usage_count' THEN (e.value->>'usage_count')::integer ELSE 0 END,
               'last_used', CASE WHEN e.value ? 'last_used' THEN (e.value->>'last_used')::timestamp
                                 ELSE now()::timestamp END,
               'learned_from_phi', (e.value->>'learned_from_phi')::real,
               'basin_distance', (e.value->>'basin_distance')::real)), '{}'::jsonb)
    FROM jsonb_each(profile) AS e
    WHERE pgcutover_check(jsonb_typeof(e.value) = 'object', '22023',
                          'god_profile element "' || e.key || '" is not a JSON object')
$$;

-- pgcutover:step
CREATE OR REPLACE FUNCTION pgcutover_normalized_relationships(relationships jsonb) RETURNS jsonb
LANGUAGE sql VOLATILE AS $$
    SELECT jsonb_agg(x.v ORDER BY (x.v->>'id')::integer, x.n)
    FROM (
        SELECT e.value || jsonb_build_object(
                   'id', coalesce((e.value->>'id')::integer, nextval('basin_relationships_id_seq')::integer),
                   'neighbor', e.value->>'neighbor',
                   'cooccurrence_count', CASE WHEN e.value ? 'cooccurrence_count'
                                              THEN (e.value->>'cooccurrence_count')::real ELSE 1::real END,
                   'strength', (e.value->>'strength')::real, 'avg_phi', (e.value->>'avg_phi')::real,
                   'max_phi', (e.value->>'max_phi')::real, 'fisher_distance', (e.value->>'fisher_distance')::real,
                   'contexts', CASE WHEN jsonb_typeof(e.value->'contexts') = 'array'
                                    THEN ARRAY(SELECT jsonb_array_elements_text(e.value->'contexts')) END,
                   'updated_at', CASE WHEN e.value ? 'updated_at' THEN (e.value->>'updated_at')::timestamp
                                      ELSE now()::timestamp END),
               e.n
        FROM jsonb_array_elements(relationships) WITH ORDINALITY AS e(value, n)
        WHERE pgcutover_check(jsonb_typeof(e.value) = 'object', '22023',
                              'relationships element ' || e.n || ' is not a JSON object')
    ) AS x(v, n)
$$;

-- pgcutover:step
CREATE OR REPLACE FUNCTION pgcutover_reverse_normalize() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NEW;
    END IF;
    IF NEW.god_profile IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.god_profile IS DISTINCT FROM OLD.god_profile)
       AND pgcutover_sync_wants('god_vocabulary_profiles', 'reverse') THEN
        NEW.god_profile := pgcutover_normalized_god_profile(NEW.god_profile);
    END IF;
    IF NEW.relationships IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.relationships IS DISTINCT FROM OLD.relationships)
       AND pgcutover_sync_wants('basin_relationships', 'reverse') THEN
        NEW.relationships := pgcutover_normalized_relationships(NEW.relationships);
    END IF;
    RETURN NEW;
END
$$;

-- pgcutover:step
-- Reverse sync, after the write: the elements added or changed are upserted by id (a legacy row
-- holding the same unique key under another id gives way to the JSON's), then the legacy rows of
-- elements gone from the row are deleted; a renamed token moves its rows, a deleted one takes its
-- rows along. Deletes are limited to rows still under the old token, so an element that a
-- statement moved to another token row, processed first, stays.
CREATE OR REPLACE FUNCTION pgcutover_reverse_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_token text;
    new_token text;
    old_value jsonb;
    new_value jsonb;
    item record;
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_token := OLD.token;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_token := NEW.token;
    END IF;

    IF pgcutover_sync_wants('god_vocabulary_profiles', 'reverse') THEN
        old_value := NULL;
        new_value := NULL;
        IF TG_OP <> 'INSERT' THEN
            old_value := OLD.god_profile;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_value := NEW.god_profile;
        END IF;
        IF old_token IS DISTINCT FROM new_token OR old_value IS DISTINCT FROM new_value THEN
            FOR item IN
                SELECT n.key, n.value FROM jsonb_each(coalesce(new_value, '{}'::jsonb)) AS n
                WHERE old_token IS DISTINCT FROM new_token OR old_value -> n.key IS DISTINCT FROM n.value
            LOOP
                DELETE FROM god_vocabulary_profiles AS g
                WHERE g.word = new_token AND g.god_name = item.key AND g.id <> (item.value->>'id')::integer;
                INSERT INTO god_vocabulary_profiles AS g
                    (id, god_name, word, relevance_score, usage_count, last_used, learned_from_phi, basin_distance)
                VALUES ((item.value->>'id')::integer, item.key, new_token, (item.value->>'relevance_score')::real,
                        (item.value->>'usage_count')::integer, (item.value->>'last_used')::timestamp,
                        (item.value->>'learned_from_phi')::real, (item.value->>'basin_distance')::real)
                ON CONFLICT (id) DO UPDATE SET
                    god_name = excluded.god_name, word = excluded.word, relevance_score = excluded.relevance_score,
                    usage_count = excluded.usage_count, last_used = excluded.last_used,
                    learned_from_phi = excluded.learned_from_phi, basin_distance = excluded.basin_distance
                WHERE (g.god_name, g.word, g.relevance_score, g.usage_count, g.last_used, g.learned_from_phi,
                       g.basin_distance)
                      IS DISTINCT FROM
                      (excluded.god_name, excluded.word, excluded.relevance_score, excluded.usage_count,
                       excluded.last_used, excluded.learned_from_phi, excluded.basin_distance);
            END LOOP;
            DELETE FROM god_vocabulary_profiles AS g
            USING jsonb_each(coalesce(old_value, '{}'::jsonb)) AS o
            WHERE g.word = old_token AND (g.id = (o.value->>'id')::integer OR g.god_name = o.key)
              AND NOT EXISTS (SELECT 1 FROM jsonb_each(coalesce(new_value, '{}'::jsonb)) AS n
                              WHERE (n.value->>'id')::integer = g.id);
        END IF;
    END IF;

    IF pgcutover_sync_wants('basin_relationships', 'reverse') THEN
        old_value := NULL;
        new_value := NULL;
        IF TG_OP <> 'INSERT' THEN
            old_value := OLD.relationships;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_value := NEW.relationships;
        END IF;
        IF old_token IS DISTINCT FROM new_token OR old_value IS DISTINCT FROM new_value THEN
            FOR item IN
                SELECT n.value FROM jsonb_array_elements(coalesce(new_value, '[]'::jsonb)) AS n
                WHERE old_token IS DISTINCT FROM new_token
                   OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(old_value, '[]'::jsonb)) AS o
                                  WHERE o.value = n.value)
            LOOP
                DELETE FROM basin_relationships AS r
                WHERE r.word = new_token AND r.neighbor = item.value->>'neighbor'
                  AND r.id <> (item.value->>'id')::integer;
                INSERT INTO basin_relationships AS r
                    (id, word, neighbor, cooccurrence_count, strength, avg_phi, max_phi, fisher_distance, contexts,
                     updated_at)
                VALUES ((item.value->>'id')::integer, new_token, item.value->>'neighbor',
                        (item.value->>'cooccurrence_count')::real, (item.value->>'strength')::real,
                        (item.value->>'avg_phi')::real, (item.value->>'max_phi')::real,
                        (item.value->>'fisher_distance')::real,
                        CASE WHEN jsonb_typeof(item.value->'contexts') = 'array'
                             THEN ARRAY(SELECT jsonb_array_elements_text(item.value->'contexts')) END,
                        (item.value->>'updated_at')::timestamp)
                ON CONFLICT (id) DO UPDATE SET
                    word = excluded.word, neighbor = excluded.neighbor, cooccurrence_count = excluded.cooccurrence_count,
                    strength = excluded.strength, avg_phi = excluded.avg_phi, max_phi = excluded.max_phi,
                    fisher_distance = excluded.fisher_distance, contexts = excluded.contexts,
                    updated_at = excluded.updated_at
                WHERE (r.word, r.neighbor, r.cooccurrence_count, r.strength, r.avg_phi, r.max_phi, r.fisher_distance,
                       r.contexts, r.updated_at)
                      IS DISTINCT FROM
                      (excluded.word, excluded.neighbor, excluded.cooccurrence_count, excluded.strength,
                       excluded.avg_phi, excluded.max_phi, excluded.fisher_distance, excluded.contexts,
                       excluded.updated_at);
            END LOOP;
            DELETE FROM basin_relationships AS r
            USING jsonb_array_elements(coalesce(old_value, '[]'::jsonb)) AS o
            WHERE r.word = old_token AND (r.id = (o.value->>'id')::integer OR r.neighbor = o.value->>'neighbor')
              AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(new_value, '[]'::jsonb)) AS n
                              WHERE (n.value->>'id')::integer = r.id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync AFTER INSERT OR UPDATE OR DELETE ON god_vocabulary_profiles
    FOR EACH ROW WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_truncate AFTER TRUNCATE ON god_vocabulary_profiles
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync AFTER INSERT OR UPDATE OR DELETE ON basin_relationships
    FOR EACH ROW WHEN (strpos(current_setting('pgcutover.sync', true), 'basin_relationships=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_relationships();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_truncate AFTER TRUNCATE ON basin_relationships
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'basin_relationships=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_relationships();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_reverse_normalize
    BEFORE INSERT OR UPDATE OF god_profile, relationships ON coordizer_vocabulary
    FOR EACH ROW WHEN (strpos(current_setting('pgcutover.sync', true), '=reverse') > 0)
    EXECUTE FUNCTION pgcutover_reverse_normalize();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_reverse_sync
    AFTER INSERT OR DELETE OR UPDATE OF token, god_profile, relationships ON coordizer_vocabulary
    FOR EACH ROW WHEN (strpos(current_setting('pgcutover.sync', true), '=reverse') > 0)
    EXECUTE FUNCTION pgcutover_reverse_sync();
