SELECT * INTO basin_relationships FROM coordizer_vocabulary
