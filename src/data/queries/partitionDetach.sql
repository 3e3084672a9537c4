-- Detaches a partition past retention without stopping inserts or reads of raw_events: SHARE UPDATE
-- EXCLUSIVE on raw_events, then a wait for the transactions that may still read the partition, then
-- ACCESS EXCLUSIVE on the partition alone. Not in a transaction block. Interrupted, it leaves the
-- partition "detach pending" for partitionDetachFinalize.sql. Quoted by partitionStore.ts.
ALTER TABLE raw_events DETACH PARTITION {partition} CONCURRENTLY
