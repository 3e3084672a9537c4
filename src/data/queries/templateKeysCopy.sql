-- Takes the idempotency keys of the template's jobs (ingestion_idempotency_keys, migration 011), so a
-- replay of one is answered with its job, as the template answered it. The template's unique index on
-- (tenant_id, idempotency_key) already kept each key to one job.
INSERT INTO ingestion_idempotency_keys (tenant_id, idempotency_key, job_id)
SELECT j.tenant_id, j.idempotency_key, j.id
FROM dotnet_template_ingestion_jobs AS j
WHERE j.idempotency_key IS NOT NULL
