-- Records failed attempts of worker $1: jobs $2 with errors $3, backoff seconds $4, whether the
-- failure is permanent $5 and the error's stack $6 (null: none; kept in the history only). A job with attempts left is Pending again once its backoff has passed; one
-- without, or whose processor said no attempt can succeed (PermanentJobError), is Failed for good.
-- Fenced like completion: only the lease's owner can record a failure.
WITH failed AS (
  UPDATE ingestion_jobs AS job
  SET status = CASE WHEN job.attempt >= job.max_attempts OR f.permanent THEN 'Failed' ELSE 'Pending' END,
      available_at = CASE WHEN job.attempt >= job.max_attempts OR f.permanent THEN job.available_at
                          ELSE now() + make_interval(secs => f.backoff_seconds) END,
      processed_at = CASE WHEN job.attempt >= job.max_attempts OR f.permanent THEN now() END,
      error = f.error,
      -- The entry is one object: its stack merged in before it is appended, not appended after it.
      attempts = job.attempts || (jsonb_build_object('attempt', job.attempt, 'startedAt', job.attempted_at,
                                                     'endedAt', now(), 'worker', job.locked_by,
                                                     'outcome', 'failed', 'error', f.error)
                                  || CASE WHEN f.stack IS NULL THEN '{}'::jsonb
                                          ELSE jsonb_build_object('stack', f.stack) END),
      locked_by = NULL,
      locked_until = NULL,
      updated_at = now()
  FROM unnest($2::uuid[], $3::text[], $4::float8[], $5::boolean[], $6::text[])
       AS f (id, error, backoff_seconds, permanent, stack)
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE job.id = f.id AND job.locked_by = $1 AND job.status || '' = 'Processing'
    -- job.status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.status, job.created_at, job.tenant_id, job.attempt, job.max_attempts,
    job.event_count, job.processed_at, job.traceparent, job.error
),
-- Jobs Failed for good are finished: one notification for them (see jobsSucceed.sql).
-- Always one row, so the join keeps every row (a LEFT JOIN whose columns go unused would be removed by
-- the planner, notification and all); a CTE, so it runs once and not once per job (see jobsSucceed.sql).
finished AS (
  SELECT CASE WHEN count(*) > 0 THEN pg_notify('ingestion_jobs_finished', string_agg(id::text, ',')) END
  FROM failed WHERE status = 'Failed'
),
-- The outbox, as in jobsSucceed.sql, for the jobs Failed for good.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, failed.tenant_id, failed.id, 'ingestion.failed',
         webhook_message('ingestion.failed', failed.id, failed.tenant_id, 'Failed', failed.attempt,
                         failed.max_attempts, failed.event_count, failed.created_at, failed.processed_at,
                         NULL, NULL, failed.error),
         failed.traceparent
  FROM failed
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = failed.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.failed' = ANY (endpoint.events)
  WHERE failed.status = 'Failed'
  RETURNING 1
)
SELECT failed.id, failed.status, (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM failed
CROSS JOIN finished
