-- The job an idempotency key already names, with the fingerprint of the body that created it.
-- $1 tenant_id, $2 idempotency_key
SELECT id, request_fingerprint
FROM ingestion_jobs
WHERE tenant_id = $1 AND idempotency_key = $2
