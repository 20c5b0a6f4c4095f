UPDATE basin_relationships * b SET strength = 0.5 WHERE b.word = 'w001' AND b.neighbor = 'w002';
DELETE FROM god_vocabulary_profiles* WHERE god_name = 'zeus' RETURNING word
