-- The oldest Pending job, from the (status, created_at, id) index, with the database's clock so the
-- age does not depend on the API host's.
SELECT j.id, j.tenant_id, j.created_at, j.available_at, now() AS now
FROM ingestion_jobs AS j
WHERE j.status = 'Pending'
ORDER BY j.created_at, j.id
LIMIT 1
