-- Cancels one batch of the Pending and Processing jobs matching a filter, oldest first after a keyset
-- cursor, as adminJobCancel.sql does for one job (a Processing job's worker learns it at its next lease
-- renewal). The caller repeats it with the last row's key until a batch comes back short; each batch is
-- a short transaction. SKIP LOCKED: a row another transaction holds (a claim, a renewal) is left alone.
-- The finished jobs are announced in notifications of 100 ids each (a notification carries at most
-- 8,000 bytes), and each tenant's webhook endpoints get an ingestion.failed message, as for one job.
-- $1 statuses (of Pending and Processing), $2 tenant or null, $3 created from or null, $4 created before
-- or null, $5 ILIKE pattern on error or null, $6 payload jsonb or null, $7 $8 cursor (created_at, id) or
-- null, $9 batch size
WITH batch AS (
  SELECT j.id
  FROM ingestion_jobs AS j
  WHERE j.status = ANY ($1::text[]) AND j.status IN ('Pending', 'Processing')
    AND ($2::text IS NULL OR j.tenant_id = $2)
    AND ($3::timestamptz IS NULL OR j.created_at >= $3)
    AND ($4::timestamptz IS NULL OR j.created_at < $4)
    AND ($5::text IS NULL OR j.error ILIKE $5)
    AND ($6::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM raw_events AS e
          WHERE e.job_id = j.id AND e.accepted_at = j.created_at AND e.payload @> $6::jsonb))
    AND ($7::timestamptz IS NULL OR (j.created_at, j.id) > ($7::timestamptz, $8::uuid))
  ORDER BY j.created_at, j.id
  LIMIT $9
  FOR UPDATE SKIP LOCKED
),
cancelled AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Failed', error = 'cancelled by an operator', cancelled_at = now(), processed_at = now(),
      updated_at = now(), locked_by = NULL, locked_until = NULL,
      attempts = job.attempts || jsonb_build_object(
        'attempt', job.attempt,
        'startedAt', CASE WHEN job.status = 'Processing' THEN job.attempted_at ELSE now() END,
        'endedAt', now(),
        'worker', CASE WHEN job.status = 'Processing' THEN job.locked_by ELSE 'operator' END,
        'outcome', 'cancelled', 'error', 'cancelled by an operator')
  FROM batch
  WHERE job.id = batch.id AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.created_at, job.tenant_id, job.attempt, job.max_attempts, job.event_count,
            job.processed_at, job.traceparent, job.error
),
-- The outbox, as in adminJobCancel.sql.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, cancelled.tenant_id, cancelled.id, 'ingestion.failed',
         webhook_message('ingestion.failed', cancelled.id, cancelled.tenant_id, 'Failed', cancelled.attempt,
                         cancelled.max_attempts, cancelled.event_count, cancelled.created_at,
                         cancelled.processed_at, NULL, NULL, cancelled.error),
         cancelled.traceparent
  FROM cancelled
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = cancelled.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.failed' = ANY (endpoint.events)
  RETURNING 1
),
notified AS (
  SELECT pg_notify('ingestion_jobs_finished', string_agg(numbered.id::text, ','))
  FROM (SELECT id, (row_number() OVER () - 1) / 100 AS chunk FROM cancelled) AS numbered
  GROUP BY numbered.chunk
),
last AS (
  SELECT c.id, c.created_at::text AS created_key FROM cancelled AS c ORDER BY c.created_at DESC, c.id DESC LIMIT 1
)
SELECT (SELECT count(*) FROM cancelled)::integer AS cancelled,
       (SELECT created_key FROM last) AS last_created_key,
       (SELECT id FROM last) AS last_id,
       (SELECT count(*) FROM notified)::integer AS notifications,
       (SELECT count(*) FROM webhooks)::integer AS webhooks
