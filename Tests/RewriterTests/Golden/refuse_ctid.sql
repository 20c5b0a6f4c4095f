SELECT ctid, word FROM god_vocabulary_profiles
