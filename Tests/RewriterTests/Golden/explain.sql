EXPLAIN SELECT * FROM god_vocabulary_profiles WHERE god_name = 'zeus'
