INSERT INTO basin_relationships (word, neighbor, contexts) VALUES ('w001', 'typed', 'a'::text)
