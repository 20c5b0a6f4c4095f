SELECT 1; SELECT count(*) FROM basin_relationships; SELECT 'basin_relationships'
