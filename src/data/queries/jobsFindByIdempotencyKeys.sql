-- The jobs idempotency keys already name, with the fingerprint of the body that created each.
-- $1 tenant ids, $2 idempotency keys: pairs, one entry each
SELECT j.tenant_id, j.idempotency_key, j.id, j.request_fingerprint
FROM ingestion_jobs AS j
JOIN unnest($1::text[], $2::text[]) AS k (tenant_id, idempotency_key)
  ON j.tenant_id = k.tenant_id AND j.idempotency_key = k.idempotency_key
