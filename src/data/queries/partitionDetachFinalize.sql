-- Completes a DETACH ... CONCURRENTLY that was interrupted; until then no other partition can be
-- detached concurrently. Quoted by partitionStore.ts.
ALTER TABLE raw_events DETACH PARTITION {partition} FINALIZE
