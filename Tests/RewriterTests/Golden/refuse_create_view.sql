CREATE VIEW v AS SELECT * FROM god_vocabulary_profiles
