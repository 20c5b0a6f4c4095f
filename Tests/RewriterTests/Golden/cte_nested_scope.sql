SELECT (WITH god_vocabulary_profiles AS (SELECT 1 AS n) SELECT n FROM god_vocabulary_profiles), (SELECT count(*) FROM god_vocabulary_profiles)
