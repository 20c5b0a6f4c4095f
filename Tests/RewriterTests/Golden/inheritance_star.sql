SELECT word FROM god_vocabulary_profiles * g JOIN basin_relationships* USING (word) WHERE g.god_name = 'zeus'
