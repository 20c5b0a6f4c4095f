SELECT row_to_json(g) FROM god_vocabulary_profiles g
