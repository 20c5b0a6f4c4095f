UPDATE god_vocabulary_profiles SET god_name = 'hera' WHERE god_name = 'zeus'
