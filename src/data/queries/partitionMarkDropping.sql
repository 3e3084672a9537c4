-- Marks a partition about to be detached and dropped, so that if the process stops between the two
-- the next pass knows the detached table is its own to drop (partitionsDetachedFind.sql). Quoted by
-- partitionStore.ts.
COMMENT ON TABLE {partition} IS {comment}
