COPY basin_relationships (word, "neighbor") TO STDOUT WITH (FORMAT csv)
