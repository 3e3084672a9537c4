-- Takes back jobs whose worker stopped renewing its lease (it crashed or lost the database). The
-- abandoned attempt counts: a job that keeps killing its worker still ends Failed after max_attempts.
-- SKIP LOCKED: a job being completed right now is not waited for; it is about to leave Processing.
-- available_at is left as it was: the job keeps its place at the head of the queue instead of going to
-- the back of a backlog, so a dead worker's job runs again soon after its lease expires.
-- $1: how long ago a lease must have expired (seconds; more than 0 just after a stall, see
-- src/worker/leaseSweep.ts). $2: the most this statement may have waited (on a lock) before reading the
-- table and still take anything back: clock_timestamp() is read as rows are scanned, after every lock
-- wait, and the heartbeats of live workers were held by the same lock. It is measured from now(), the
-- start of this statement's own transaction: statement_timestamp() is reset by the Execute message of
-- a prepared statement, after the lock wait that happens while its plan is checked.
WITH expired AS (
  SELECT id
  FROM ingestion_jobs
  WHERE status = 'Processing' AND locked_until < now() - make_interval(secs => $1)
    AND clock_timestamp() - now() <= make_interval(secs => $2)
  ORDER BY locked_until
  LIMIT 1000
  FOR UPDATE SKIP LOCKED
),
rescued AS (
  UPDATE ingestion_jobs AS job
  SET status = CASE WHEN job.attempt >= job.max_attempts THEN 'Failed' ELSE 'Pending' END,
      processed_at = CASE WHEN job.attempt >= job.max_attempts THEN now() END,
      error = format('attempt %s of %s was abandoned: worker %s stopped renewing its lease',
                     job.attempt, job.max_attempts, job.locked_by),
      attempts = job.attempts || jsonb_build_object('attempt', job.attempt, 'startedAt', job.attempted_at,
                                                    'endedAt', now(), 'worker', job.locked_by,
                                                    'outcome', 'abandoned',
                                                    'error', 'the worker stopped renewing its lease'),
      locked_by = NULL,
      locked_until = NULL,
      updated_at = now()
  FROM expired
  -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
  WHERE job.id = expired.id AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.status, job.created_at, job.tenant_id, job.attempt, job.max_attempts,
    job.event_count, job.processed_at, job.traceparent, job.error
),
-- Jobs whose abandoned attempt was their last are finished: one notification (see jobsSucceed.sql).
-- Always one row, so the join keeps every row (a LEFT JOIN whose columns go unused would be removed by
-- the planner, notification and all); a CTE, so it runs once and not once per job (see jobsSucceed.sql).
finished AS (
  SELECT CASE WHEN count(*) > 0 THEN pg_notify('ingestion_jobs_finished', string_agg(id::text, ',')) END
  FROM rescued WHERE status = 'Failed'
),
-- The outbox, as in jobsSucceed.sql, for the jobs whose abandoned attempt was their last.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, rescued.tenant_id, rescued.id, 'ingestion.failed',
         webhook_message('ingestion.failed', rescued.id, rescued.tenant_id, 'Failed', rescued.attempt,
                         rescued.max_attempts, rescued.event_count, rescued.created_at, rescued.processed_at,
                         NULL, NULL, rescued.error),
         rescued.traceparent
  FROM rescued
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = rescued.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.failed' = ANY (endpoint.events)
  WHERE rescued.status = 'Failed'
  RETURNING 1
)
SELECT rescued.id, rescued.status, (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM rescued
CROSS JOIN finished
