WITH basin_relationships AS (SELECT 1 AS x) SELECT x FROM basin_relationships
