-- Makes the new table the partition of its day; it is empty, so the check of its rows is
-- instant. Quoted by partitionStore.ts.
ALTER TABLE raw_events ATTACH PARTITION {partition} FOR VALUES FROM ({from}) TO ({to})
