SELEC * FROM god_vocabulary_profiles
