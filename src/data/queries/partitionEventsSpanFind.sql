-- The first and last acceptance time of the events in a detached table, from which bounds to attach it
-- again are made: once detached, a table keeps no bounds. A scan of the table; run only for a table
-- that must go back (partitionUnfinishedEventsFind.sql). Quoted by partitionStore.ts.
SELECT min(accepted_at) AS first_at, max(accepted_at) AS last_at FROM {partition}
