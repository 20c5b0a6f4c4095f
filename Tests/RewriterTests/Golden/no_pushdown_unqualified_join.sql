SELECT g.word FROM god_vocabulary_profiles g JOIN coordizer_vocabulary cv ON cv.token = g.word WHERE god_name = 'zeus'
