UPDATE basin_relationships SET strength = 0 WHERE word = 'w001'
