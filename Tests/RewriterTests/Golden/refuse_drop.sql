DROP TABLE IF EXISTS basin_relationships
