-- The oldest Pending job, read from the partition of unfinished jobs (the queue, small in a healthy
-- system; no admin index there since migration 017), with the database's clock so the age does not
-- depend on the API host's.
SELECT j.id, j.tenant_id, j.created_at, j.available_at, now() AS now
FROM ingestion_jobs AS j
WHERE j.status = 'Pending'
ORDER BY j.created_at, j.id
LIMIT 1
