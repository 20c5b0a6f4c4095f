CREATE INDEX ON public.basin_relationships (neighbor)
