-- Frees idempotency keys whose job is gone, among the pairs $1 tenant ids, $2 keys: an older build's
-- retention deleted jobs without their keys (it predates the keys table), or retention deleted the job
-- and its key between a replay's insert and its lookup. Such a key names nothing, so it is free: the
-- caller stores its job again. A key whose job exists, or is being stored by a concurrent statement
-- (not yet committed, so not seen here), stays.
DELETE FROM ingestion_idempotency_keys AS taken
USING unnest($1::text[], $2::text[]) AS k (tenant_id, idempotency_key)
WHERE taken.tenant_id = k.tenant_id AND taken.idempotency_key = k.idempotency_key
  AND NOT EXISTS (SELECT 1 FROM ingestion_jobs AS j WHERE j.id = taken.job_id)
