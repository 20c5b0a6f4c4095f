-- 0030: dual-write and reverse dual-write, done by the database in the writer's own transaction.
-- Applied as soon as 0020 has added its columns, even while its backfill is unfinished: the triggers
-- must be on before the backfill starts, or writes made during it would be missed.
-- pgcutover:during-backfill
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
-- god_profile without the elements whose id is in gone, with the elements of added (an object keyed
-- by god) put in; NULL when nothing is left.
CREATE OR REPLACE FUNCTION pgcutover_profile_apply(current jsonb, gone integer[], added jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) || coalesce(added, '{}'::jsonb), '{}'::jsonb)
    FROM jsonb_each(coalesce(current, '{}'::jsonb)) AS e
    WHERE NOT coalesce((e.value->>'id')::integer = ANY (gone), false)
$$;

-- pgcutover:step
-- relationships without the elements whose id is in gone, with the elements of added (an array)
-- put in, ordered by id as the backfill writes it; NULL when nothing is left.
CREATE OR REPLACE FUNCTION pgcutover_relationships_apply(current jsonb, gone integer[], added jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_agg(x.v ORDER BY (x.v->>'id')::integer, x.o, x.n)
    FROM (
        SELECT e.value, 0, e.n
        FROM jsonb_array_elements(coalesce(current, '[]'::jsonb)) WITH ORDINALITY AS e(value, n)
        WHERE NOT coalesce((e.value->>'id')::integer = ANY (gone), false)
        UNION ALL
        SELECT a.value, 1, a.n FROM jsonb_array_elements(coalesce(added, '[]'::jsonb)) WITH ORDINALITY AS a(value, n)
    ) AS x(v, o, n)
$$;

-- pgcutover:step
-- Forward sync of one statement's rows (transition tables pgcutover_old / pgcutover_new): per word,
-- the ids of its old and new rows go, its new rows' elements come in; one UPDATE per token row
-- whatever the number of rows (per-row triggers would rebuild a word's JSON once per row). Removing
-- by id makes a statement that swaps keys between rows end right. Token rows are locked in id order
-- first, as the backfill locks them, so two such statements cannot deadlock on them.
CREATE OR REPLACE FUNCTION pgcutover_forward_god_profile() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changes jsonb;
    updated text[];
BEGIN
    IF pg_trigger_depth() > 1 OR NOT pgcutover_sync_wants('god_vocabulary_profiles', 'forward') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE coordizer_vocabulary SET god_profile = NULL WHERE god_profile IS NOT NULL;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_array(n.word, n.id, n.god_name, jsonb_build_object(
                   'id', n.id, 'relevance_score', n.relevance_score, 'usage_count', n.usage_count,
                   'last_used', n.last_used, 'learned_from_phi', n.learned_from_phi, 'basin_distance', n.basin_distance)))
        INTO changes FROM pgcutover_new AS n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(x) INTO changes FROM (
            SELECT jsonb_build_array(n.word, n.id, n.god_name, jsonb_build_object(
                       'id', n.id, 'relevance_score', n.relevance_score, 'usage_count', n.usage_count,
                       'last_used', n.last_used, 'learned_from_phi', n.learned_from_phi, 'basin_distance', n.basin_distance))
            FROM pgcutover_new AS n
            UNION ALL
            SELECT jsonb_build_array(o.word, o.id) FROM pgcutover_old AS o) AS c(x);
    ELSE
        SELECT jsonb_agg(jsonb_build_array(o.word, o.id)) INTO changes FROM pgcutover_old AS o;
    END IF;
    -- One element per word: {"word", "gone": [ids], "added": {god: element} or null}.
    SELECT jsonb_agg(jsonb_build_object('word', w.word, 'gone', w.gone, 'added', w.added) ORDER BY w.word)
    INTO changes
    FROM (SELECT c->>0 AS word, jsonb_agg(c->1) AS gone,
                 jsonb_object_agg(c->>2, c->3) FILTER (WHERE jsonb_array_length(c) = 4) AS added
          FROM jsonb_array_elements(coalesce(changes, '[]'::jsonb)) AS c GROUP BY c->>0) AS w;
    IF changes IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM coordizer_vocabulary AS cv
    WHERE cv.token IN (SELECT c->>'word' FROM jsonb_array_elements(changes) AS c)
    ORDER BY cv.id FOR NO KEY UPDATE;
    WITH written AS (
        UPDATE coordizer_vocabulary AS cv
        SET god_profile = pgcutover_profile_apply(
            cv.god_profile, ARRAY(SELECT jsonb_array_elements_text(c->'gone'))::integer[],
            nullif(c->'added', 'null'::jsonb))
        FROM jsonb_array_elements(changes) AS c
        WHERE cv.token = c->>'word'
        RETURNING cv.token)
    SELECT array_agg(token) INTO updated FROM written;
    -- Words with no token row get one, as in the backfill; one a concurrent writer created meanwhile
    -- is merged into.
    INSERT INTO coordizer_vocabulary AS cv (token, active, source_type, god_profile)
    SELECT c->>'word', false, 'pgcutover:legacy-only', c->'added'
    FROM jsonb_array_elements(changes) AS c
    WHERE jsonb_typeof(c->'added') = 'object' AND NOT (c->>'word' = ANY (coalesce(updated, '{}')))
    ORDER BY c->>'word'
    ON CONFLICT (token) DO UPDATE SET god_profile = pgcutover_profile_apply(
        cv.god_profile, ARRAY(SELECT (e.value->>'id')::integer FROM jsonb_each(excluded.god_profile) AS e),
        excluded.god_profile);
    RETURN NULL;
END
$$;

-- pgcutover:step
CREATE OR REPLACE FUNCTION pgcutover_forward_relationships() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changes jsonb;
    updated text[];
BEGIN
    IF pg_trigger_depth() > 1 OR NOT pgcutover_sync_wants('basin_relationships', 'forward') THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE coordizer_vocabulary SET relationships = NULL WHERE relationships IS NOT NULL;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT jsonb_agg(jsonb_build_array(n.word, n.id, jsonb_build_object(
                   'id', n.id, 'neighbor', n.neighbor, 'cooccurrence_count', n.cooccurrence_count,
                   'strength', n.strength, 'avg_phi', n.avg_phi, 'max_phi', n.max_phi,
                   'fisher_distance', n.fisher_distance, 'contexts', n.contexts, 'updated_at', n.updated_at)))
        INTO changes FROM pgcutover_new AS n;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT jsonb_agg(x) INTO changes FROM (
            SELECT jsonb_build_array(n.word, n.id, jsonb_build_object(
                       'id', n.id, 'neighbor', n.neighbor, 'cooccurrence_count', n.cooccurrence_count,
                       'strength', n.strength, 'avg_phi', n.avg_phi, 'max_phi', n.max_phi,
                       'fisher_distance', n.fisher_distance, 'contexts', n.contexts, 'updated_at', n.updated_at))
            FROM pgcutover_new AS n
            UNION ALL
            SELECT jsonb_build_array(o.word, o.id) FROM pgcutover_old AS o) AS c(x);
    ELSE
        SELECT jsonb_agg(jsonb_build_array(o.word, o.id)) INTO changes FROM pgcutover_old AS o;
    END IF;
    -- One element per word: {"word", "gone": [ids], "added": [elements] or null}.
    SELECT jsonb_agg(jsonb_build_object('word', w.word, 'gone', w.gone, 'added', w.added) ORDER BY w.word)
    INTO changes
    FROM (SELECT c->>0 AS word, jsonb_agg(c->1) AS gone,
                 jsonb_agg(c->2) FILTER (WHERE jsonb_array_length(c) = 3) AS added
          FROM jsonb_array_elements(coalesce(changes, '[]'::jsonb)) AS c GROUP BY c->>0) AS w;
    IF changes IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM coordizer_vocabulary AS cv
    WHERE cv.token IN (SELECT c->>'word' FROM jsonb_array_elements(changes) AS c)
    ORDER BY cv.id FOR NO KEY UPDATE;
    WITH written AS (
        UPDATE coordizer_vocabulary AS cv
        SET relationships = pgcutover_relationships_apply(
            cv.relationships, ARRAY(SELECT jsonb_array_elements_text(c->'gone'))::integer[],
            nullif(c->'added', 'null'::jsonb))
        FROM jsonb_array_elements(changes) AS c
        WHERE cv.token = c->>'word'
        RETURNING cv.token)
    SELECT array_agg(token) INTO updated FROM written;
    INSERT INTO coordizer_vocabulary AS cv (token, active, source_type, relationships)
    SELECT c->>'word', false, 'pgcutover:legacy-only', pgcutover_relationships_apply(NULL, NULL, c->'added')
    FROM jsonb_array_elements(changes) AS c
    WHERE jsonb_typeof(c->'added') = 'array' AND NOT (c->>'word' = ANY (coalesce(updated, '{}')))
    ORDER BY c->>'word'
    ON CONFLICT (token) DO UPDATE SET relationships = pgcutover_relationships_apply(
        cv.relationships,
        ARRAY(SELECT (e.value->>'id')::integer FROM jsonb_array_elements(excluded.relationships) AS e),
        excluded.relationships);
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
-- statement moved to another token row, processed first, stays. A neighbor or an id twice in one
-- token row is refused as the legacy table's unique constraint would refuse it.
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
            IF EXISTS (SELECT 1 FROM jsonb_each(coalesce(new_value, '{}'::jsonb)) AS n
                       GROUP BY n.value->>'id' HAVING count(*) > 1) THEN
                RAISE EXCEPTION USING ERRCODE = '23505',
                    MESSAGE = 'duplicate key value violates unique constraint "god_vocabulary_profiles_pkey"',
                    DETAIL = format('god_profile of token %L holds one id under two gods.', new_token);
            END IF;
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
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(new_value, '[]'::jsonb)) AS n
                       GROUP BY n.value->>'neighbor' HAVING count(*) > 1) THEN
                RAISE EXCEPTION USING ERRCODE = '23505',
                    MESSAGE = 'duplicate key value violates unique constraint "basin_relationships_word_neighbor_key"',
                    DETAIL = format('relationships of token %L hold one neighbor twice.', new_token);
            END IF;
            IF EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(new_value, '[]'::jsonb)) AS n
                       GROUP BY n.value->>'id' HAVING count(*) > 1) THEN
                RAISE EXCEPTION USING ERRCODE = '23505',
                    MESSAGE = 'duplicate key value violates unique constraint "basin_relationships_pkey"',
                    DETAIL = format('relationships of token %L hold one id twice.', new_token);
            END IF;
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
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_insert AFTER INSERT ON god_vocabulary_profiles
    REFERENCING NEW TABLE AS pgcutover_new
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_update AFTER UPDATE ON god_vocabulary_profiles
    REFERENCING OLD TABLE AS pgcutover_old NEW TABLE AS pgcutover_new
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_delete AFTER DELETE ON god_vocabulary_profiles
    REFERENCING OLD TABLE AS pgcutover_old
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_truncate AFTER TRUNCATE ON god_vocabulary_profiles
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'god_vocabulary_profiles=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_god_profile();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_insert AFTER INSERT ON basin_relationships
    REFERENCING NEW TABLE AS pgcutover_new
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'basin_relationships=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_relationships();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_update AFTER UPDATE ON basin_relationships
    REFERENCING OLD TABLE AS pgcutover_old NEW TABLE AS pgcutover_new
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'basin_relationships=forward') > 0)
    EXECUTE FUNCTION pgcutover_forward_relationships();

-- pgcutover:step
CREATE OR REPLACE TRIGGER pgcutover_forward_sync_delete AFTER DELETE ON basin_relationships
    REFERENCING OLD TABLE AS pgcutover_old
    FOR EACH STATEMENT WHEN (strpos(current_setting('pgcutover.sync', true), 'basin_relationships=forward') > 0)
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
