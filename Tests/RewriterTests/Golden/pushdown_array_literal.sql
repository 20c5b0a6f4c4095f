SELECT neighbor FROM basin_relationships WHERE word = ANY(ARRAY['w001', 'w005'])
