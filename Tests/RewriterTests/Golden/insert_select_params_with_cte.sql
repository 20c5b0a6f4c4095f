WITH src AS (SELECT $1::text AS w) INSERT INTO basin_relationships AS b (word, neighbor, contexts) SELECT w, $2, $3 FROM src RETURNING b.id
