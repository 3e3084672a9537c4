-- Takes the mark of partitionMarkDropping.sql off a table put back as a partition, so no later pass
-- drops it as a leftover. Quoted by partitionStore.ts.
COMMENT ON TABLE {partition} IS NULL
