-- When the oldest job not yet finished was accepted (null when every job is finished): its events are
-- in the partition of that time or a later one, so no partition ending after it may be dropped.
-- One read of the partition of unfinished jobs (the queue): it has no index on created_at (migration 017).
SELECT min(created_at) AS oldest FROM ingestion_jobs WHERE status IN ('Pending', 'Processing')
