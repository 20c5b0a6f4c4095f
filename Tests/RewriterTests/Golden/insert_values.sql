INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score) VALUES ('zeus', 'w001', 0.5)
