SELECT word, relevance_score FROM god_vocabulary_profiles WHERE god_name = $1
