/* god_vocabulary_profiles */ SELECT 1 -- basin_relationships
