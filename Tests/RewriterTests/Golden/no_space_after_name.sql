SELECT word FROM ONLY(basin_relationships)WHERE word = $1;
SELECT count(*) FROM god_vocabulary_profiles*WHERE god_name = $1
