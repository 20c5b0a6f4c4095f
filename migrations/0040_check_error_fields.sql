-- 0040: the legacy tables' full constraint errors from rewritten writes.
-- 0020's pgcutover_check(ok, state, message) raises only SQLSTATE and message; the legacy table's own
-- error also carries DETAIL (the key or failing row), HINT, and the schema/table/column/constraint
-- fields drivers expose (psycopg2's e.diag, JDBC's ServerErrorMessage). This overload raises them
-- all; the 3-argument form stays for statements rewritten before it existed (docs/rewriter.md).
-- Applied with 0020's columns, like 0030: rewritten writes call it, whatever stage the backfill is at.
-- pgcutover:during-backfill

-- pgcutover:step
-- RAISE refuses a NULL option, and an empty one would still be sent as a field: the RAISE is built
-- with exactly the options given, every value quoted by format's %L. It runs only when ok is not
-- true, so the dynamic statement costs nothing on the path that does not fail.
CREATE OR REPLACE FUNCTION pgcutover_check(
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
