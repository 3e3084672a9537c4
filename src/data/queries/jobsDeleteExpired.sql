-- Deletes one batch of finished jobs past retention, with their results and webhook messages, and only
-- jobs accepted before the oldest event still stored, so a job never goes before its events. Called
-- again until it deletes fewer than the batch, each call its own short transaction: row locks and the
-- WAL of one statement stay small. SKIP LOCKED: a job an administrator is retrying right now is left
-- for the next pass rather than waited for.
-- $1 finished before (now − JOB_RETENTION_DAYS), $2 accepted before, $3 batch size
WITH doomed AS (
  SELECT id, tenant_id, idempotency_key
  FROM ingestion_jobs
  WHERE status IN ('Succeeded', 'Failed') AND processed_at < $1 AND created_at < $2
  LIMIT $3
  FOR UPDATE SKIP LOCKED
),
-- Their results go in the same statement (no foreign key cascades them since migration 010).
results_deleted AS (
  DELETE FROM ingestion_results AS result
  USING doomed
  WHERE result.job_id = doomed.id
),
-- And their idempotency keys (migration 011), which may then be used again, as before.
keys_deleted AS (
  DELETE FROM ingestion_idempotency_keys AS taken
  USING doomed
  WHERE taken.tenant_id = doomed.tenant_id AND taken.idempotency_key = doomed.idempotency_key
    AND taken.job_id = doomed.id
),
-- And their webhook messages with every attempt (migration 015): a job finished this long ago has had
-- its day of delivery attempts.
deliveries_deleted AS (
  DELETE FROM webhook_deliveries AS delivery
  USING doomed
  WHERE delivery.job_id = doomed.id
)
DELETE FROM ingestion_jobs AS job
USING doomed
WHERE job.id = doomed.id AND job.status IN ('Succeeded', 'Failed')
