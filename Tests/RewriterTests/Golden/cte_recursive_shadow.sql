WITH RECURSIVE basin_relationships(word) AS (SELECT $1::text UNION SELECT word FROM basin_relationships WHERE false) SELECT * FROM basin_relationships
