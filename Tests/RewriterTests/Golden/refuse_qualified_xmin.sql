SELECT g.xmin FROM god_vocabulary_profiles g
