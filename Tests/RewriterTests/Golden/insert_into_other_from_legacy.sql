INSERT INTO vocabulary_learning (word) SELECT DISTINCT word FROM basin_relationships WHERE neighbor = 'w001'
