-- Deletes the idempotency keys whose job is gone, among the $3 keys after ($1, $2) in key order (from
-- the start when $1 is null): an older build's retention deleted jobs without their keys during an
-- upgrade. Harmless since a replay frees such a key (idempotencyKeysFree.sql), they are garbage all
-- the same; retention deletes a key with its job (jobsDeleteExpired.sql), and this finds the rest, a
-- slice of the table per pass. Two probes of a primary key per key (one per partition of ingestion_jobs).
-- A key stored with its job by a concurrent statement is seen with it or not at all.
-- $1 $2 the last key of the previous slice or null, $3 how many keys
WITH slice AS (
  SELECT tenant_id, idempotency_key, job_id
  FROM ingestion_idempotency_keys
  WHERE $1::text IS NULL OR (tenant_id, idempotency_key) > ($1::text, $2::text)
  ORDER BY tenant_id, idempotency_key
  LIMIT $3
),
deleted AS (
  DELETE FROM ingestion_idempotency_keys AS taken
  USING slice
  WHERE taken.tenant_id = slice.tenant_id AND taken.idempotency_key = slice.idempotency_key
    AND taken.job_id = slice.job_id
    AND NOT EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = slice.job_id)
  RETURNING 1
),
last AS (
  SELECT tenant_id, idempotency_key FROM slice ORDER BY tenant_id DESC, idempotency_key DESC LIMIT 1
)
SELECT (SELECT count(*) FROM slice)::integer AS examined,
       (SELECT count(*) FROM deleted)::integer AS deleted,
       last.tenant_id AS last_tenant_id,
       last.idempotency_key AS last_key
FROM (SELECT 1) AS one
LEFT JOIN last ON true
