WITH god_vocabulary_profiles AS (SELECT * FROM god_vocabulary_profiles WHERE usage_count > 3) SELECT god_name FROM god_vocabulary_profiles
