SELECT word FROM god_vocabulary_profiles WHERE god_name = 'zeus' OR word = 'w001'
