SELECT cv.token, t.neighbor FROM coordizer_vocabulary cv CROSS JOIN LATERAL (SELECT neighbor FROM basin_relationships b WHERE b.word = cv.token LIMIT 2) t
