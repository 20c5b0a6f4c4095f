SELECT count(*) FROM ONLY (god_vocabulary_profiles)
