SELECT * FROM (SELECT * FROM basin_relationships) s FOR SHARE
