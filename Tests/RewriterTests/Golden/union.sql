SELECT word FROM god_vocabulary_profiles UNION SELECT word FROM basin_relationships ORDER BY 1
