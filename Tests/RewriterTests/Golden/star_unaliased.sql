SELECT * FROM god_vocabulary_profiles
