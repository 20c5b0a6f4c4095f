SELECT 'god_vocabulary_profiles' AS name, 'basin_relationships'
