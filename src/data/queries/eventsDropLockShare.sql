-- Taken by an operator's retry, in its transaction, before it looks at a job's events: shared, so
-- retries do not wait for each other, only for a maintenance pass that holds it exclusively while it
-- checks for unfinished jobs and detaches a partition past retention (eventsDropLockTake.sql). Either
-- the retry commits first, and the pass then sees the job unfinished and keeps the partition, or the
-- pass detaches first, and the retry then finds no events and refuses: a retried job never runs with
-- its partition gone. A statement of its own, sent before the retry's: it locks no table, so a DETACH
-- ... CONCURRENTLY never waits for a retry that waits for the pass. The key is the maintenance lock's + 1.
SELECT pg_advisory_xact_lock_shared(4217307353)
