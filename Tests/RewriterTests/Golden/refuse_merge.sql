MERGE INTO coordizer_vocabulary c USING basin_relationships b ON c.token = b.word WHEN MATCHED THEN DO NOTHING
