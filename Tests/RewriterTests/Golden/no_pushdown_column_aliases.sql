SELECT a FROM basin_relationships AS x(a, word) WHERE x.word = 'w002'
