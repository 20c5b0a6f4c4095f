-- Reverses 0040: the 9-argument pgcutover_check goes; 0020's 3-argument form stays.
-- Statements rewritten by a pgcutover that emits the 9-argument form fail until it is back.

-- pgcutover:step
DROP FUNCTION IF EXISTS pgcutover_check(boolean, text, text, text, text, text, text, text, text);
