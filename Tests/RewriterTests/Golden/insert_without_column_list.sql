INSERT INTO basin_relationships VALUES (DEFAULT, 'w001', 'n1', 2), (DEFAULT, $1, $2, nextval('other_seq'))
