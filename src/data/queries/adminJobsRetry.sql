-- Retries one batch of the Failed jobs matching a filter, oldest first after a keyset cursor, as
-- adminJobRetry does for one job. The caller repeats it with the last row's key until a batch comes
-- back short: each batch is a short transaction, and a job that fails again meanwhile is behind the
-- cursor, so the loop ends. SKIP LOCKED: a row another transaction holds is left for the next call.
-- $1 tenant or null, $2 created from or null, $3 created before or null, $4 ILIKE pattern on error or
-- null, $5 payload jsonb or null, $6 $7 cursor (created_at, id) or null, $8 batch size
WITH batch AS (
  SELECT j.id
  FROM ingestion_jobs AS j
  WHERE j.status = 'Failed'
    -- Not a job whose events retention has dropped: it would succeed with no results.
    AND EXISTS (SELECT 1 FROM raw_events AS e WHERE e.job_id = j.id AND e.accepted_at = j.created_at)
    AND ($1::text IS NULL OR j.tenant_id = $1)
    AND ($2::timestamptz IS NULL OR j.created_at >= $2)
    AND ($3::timestamptz IS NULL OR j.created_at < $3)
    AND ($4::text IS NULL OR j.error ILIKE $4)
    AND ($5::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM raw_events AS e
          WHERE e.job_id = j.id AND e.accepted_at = j.created_at AND e.payload @> $5::jsonb))
    AND ($6::timestamptz IS NULL OR (j.created_at, j.id) > ($6::timestamptz, $7::uuid))
  ORDER BY j.created_at, j.id
  LIMIT $8
  FOR UPDATE SKIP LOCKED
),
retried AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Pending', attempt = 0, available_at = now(), processed_at = NULL, error = NULL,
      cancelled_at = NULL, updated_at = now(),
      attempts = job.attempts || jsonb_build_object('attempt', job.attempt, 'startedAt', now(),
                                                    'endedAt', now(), 'worker', 'operator',
                                                    'outcome', 'retried', 'error', NULL)
  FROM batch
  WHERE job.id = batch.id AND job.status IN ('Succeeded', 'Failed')
  RETURNING job.id, job.created_at::text AS created_key
)
SELECT count(*)::integer AS retried,
       (SELECT r.created_key FROM retried AS r ORDER BY r.created_key::timestamptz DESC, r.id DESC LIMIT 1) AS last_created_key,
       (SELECT r.id FROM retried AS r ORDER BY r.created_key::timestamptz DESC, r.id DESC LIMIT 1) AS last_id,
       pg_notify('ingestion_jobs_created', '')
FROM retried
