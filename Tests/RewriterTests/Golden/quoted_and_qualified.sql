SELECT g.word FROM public."god_vocabulary_profiles" g, "basin_relationships"
