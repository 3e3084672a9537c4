-- Drops a detached partition, events and all: no longer part of raw_events, it locks nothing else.
-- Quoted by partitionStore.ts.
DROP TABLE IF EXISTS {partition}
