SELECT word FROM god_vocabulary_profiles WHERE god_name IN ('zeus', 'apollo') AND word IN ('w001', 'w002')
