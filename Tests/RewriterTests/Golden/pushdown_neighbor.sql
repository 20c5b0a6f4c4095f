SELECT id FROM basin_relationships br WHERE br.neighbor = 'w010' AND br.strength > 0.5
