PREPARE q(text) AS SELECT word FROM god_vocabulary_profiles WHERE god_name = $1
