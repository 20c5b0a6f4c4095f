SELECT neighbor, cooccurrence_count FROM basin_relationships WHERE word = ANY($1)
