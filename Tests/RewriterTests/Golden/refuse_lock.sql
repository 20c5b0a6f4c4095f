LOCK TABLE god_vocabulary_profiles IN SHARE MODE
