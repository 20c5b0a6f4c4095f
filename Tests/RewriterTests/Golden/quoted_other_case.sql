SELECT * FROM "God_Vocabulary_Profiles"
