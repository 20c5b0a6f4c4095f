DELETE FROM basin_relationships b USING vocabulary_learning vl WHERE vl.word = b.neighbor RETURNING b.*
