SELECT token FROM coordizer_vocabulary cv WHERE EXISTS (SELECT 1 FROM basin_relationships b WHERE b.word = cv.token) AND cv.token IN (SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus')
