-- 0060: views shaped like the legacy tables that accept INSERTs and store nothing, for the type rules
-- of rewritten INSERTs. A legacy INSERT converted each VALUES item (or each column of its SELECT) to
-- its column's type with the server's assignment rules (42804 "column … is of type text[] but
-- expression is of type text" where only an explicit cast would do). A rewritten INSERT computes the
-- values in a SELECT, where no assignment rule applies; it first also inserts the client's column
-- list and VALUES or SELECT into one of these views, which have the legacy column names and types,
-- so the server analyses them exactly as it analysed the legacy INSERT and raises the legacy error
-- itself. The rule makes that INSERT a SELECT of nothing in its place; nothing reads it, so the
-- planner drops it and no value is computed twice or stored. Without the rule the view (no FROM) is
-- not updatable: an INSERT fails rather than storing anything. (docs/rewriter.md, "INSERT values
-- follow the legacy assignment rules".)
-- Applied with 0020's columns, like 0040 and 0050: rewritten writes use them whatever stage the
-- backfill is at.
-- pgcutover:during-backfill

-- pgcutover:step
CREATE OR REPLACE VIEW pgcutover_insert_check_god_vocabulary_profiles AS
    SELECT NULL::integer AS id, NULL::text AS god_name, NULL::text AS word, NULL::real AS relevance_score,
           NULL::integer AS usage_count, NULL::timestamp AS last_used, NULL::real AS learned_from_phi,
           NULL::real AS basin_distance
    WHERE false;

-- pgcutover:step
CREATE OR REPLACE RULE pgcutover_analyse_only AS ON INSERT TO pgcutover_insert_check_god_vocabulary_profiles
    DO INSTEAD SELECT WHERE false;

-- pgcutover:step
CREATE OR REPLACE VIEW pgcutover_insert_check_basin_relationships AS
    SELECT NULL::integer AS id, NULL::text AS word, NULL::text AS neighbor, NULL::real AS cooccurrence_count,
           NULL::real AS strength, NULL::real AS avg_phi, NULL::real AS max_phi, NULL::real AS fisher_distance,
           NULL::text[] AS contexts, NULL::timestamp AS updated_at
    WHERE false;

-- pgcutover:step
CREATE OR REPLACE RULE pgcutover_analyse_only AS ON INSERT TO pgcutover_insert_check_basin_relationships
    DO INSTEAD SELECT WHERE false;

-- pgcutover:step
GRANT SELECT, INSERT ON pgcutover_insert_check_god_vocabulary_profiles, pgcutover_insert_check_basin_relationships
    TO PUBLIC;
