INSERT INTO god_vocabulary_profiles (god_name, word, relevance_score, usage_count, last_used) VALUES ('zeus', 'w001', 0.5, DEFAULT, NOW()), ($1, $2, 0.25, 3, DEFAULT)
