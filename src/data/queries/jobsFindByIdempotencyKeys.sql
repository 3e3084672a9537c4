-- The jobs idempotency keys already name, with the fingerprint of the body that created each.
-- $1 tenant ids, $2 idempotency keys: pairs, one entry each
SELECT j.tenant_id, j.idempotency_key, j.id, j.request_fingerprint
-- The key's row (migration 011) names the job, found by id in whichever partition holds it.
FROM unnest($1::text[], $2::text[]) AS k (tenant_id, idempotency_key)
JOIN ingestion_idempotency_keys AS taken
  ON taken.tenant_id = k.tenant_id AND taken.idempotency_key = k.idempotency_key
JOIN ingestion_jobs AS j ON j.id = taken.job_id
