DELETE FROM god_vocabulary_profiles WHERE CURRENT OF c
