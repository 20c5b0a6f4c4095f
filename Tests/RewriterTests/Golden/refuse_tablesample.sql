SELECT * FROM basin_relationships TABLESAMPLE SYSTEM (10)
