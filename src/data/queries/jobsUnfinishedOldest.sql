-- When the oldest job not yet finished was accepted (null when every job is finished): its events are
-- in the partition of that time or a later one, so no partition ending after it may be dropped.
-- Two descents of ingestion_jobs_status_created_idx, however many jobs there are.
SELECT least((SELECT min(created_at) FROM ingestion_jobs WHERE status = 'Pending'),
             (SELECT min(created_at) FROM ingestion_jobs WHERE status = 'Processing')) AS oldest
