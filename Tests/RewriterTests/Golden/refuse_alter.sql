ALTER TABLE god_vocabulary_profiles ADD COLUMN note text
