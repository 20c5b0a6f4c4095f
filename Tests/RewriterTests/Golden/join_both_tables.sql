SELECT g.god_name, b.neighbor FROM god_vocabulary_profiles AS g JOIN basin_relationships b ON b.word = g.word WHERE g.god_name = $1 AND b.word = 'w001'
