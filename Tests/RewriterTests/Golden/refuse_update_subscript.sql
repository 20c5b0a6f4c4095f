UPDATE basin_relationships SET contexts[1] = 'x'
