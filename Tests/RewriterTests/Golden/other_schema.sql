SELECT * FROM archive.god_vocabulary_profiles
