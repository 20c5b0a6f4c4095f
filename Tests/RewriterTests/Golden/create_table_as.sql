CREATE TEMP TABLE snapshot AS SELECT * FROM god_vocabulary_profiles
