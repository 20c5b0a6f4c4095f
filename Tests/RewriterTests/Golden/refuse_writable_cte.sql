WITH d AS (DELETE FROM basin_relationships WHERE word = 'x' RETURNING *) SELECT count(*) FROM d
