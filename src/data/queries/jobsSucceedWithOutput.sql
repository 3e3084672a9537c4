-- Completes job $2 of worker $1 with the output $3 its processor returned (src/processing/): marks it
-- Succeeded and stores the output in the same statement, so an output exists exactly when the job has
-- Succeeded. Fenced like jobsSucceed.sql: a job whose lease this worker no longer holds is left alone and
-- its output is dropped, so a processor that lost its lease can never overwrite the new holder's work.
WITH done AS (
  UPDATE ingestion_jobs
  SET status = 'Succeeded', processed_at = now(), updated_at = now(),
      locked_by = NULL, locked_until = NULL, error = NULL, output = $3::jsonb,
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', attempted_at, 'endedAt', now(),
                                                'worker', locked_by, 'outcome', 'succeeded', 'error', NULL)
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = $2::uuid AND locked_by = $1 AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
  RETURNING id, created_at, tenant_id, attempt, max_attempts, event_count, processed_at, traceparent, output
),
-- The same notification as jobsSucceed.sql, delivered at commit: `Prefer: wait` requests answer at once.
finished AS (
  SELECT pg_notify('ingestion_jobs_finished', string_agg(id::text, ',')) FROM done HAVING count(*) > 0
),
-- The outbox, as in jobsSucceed.sql: the message carries the processor's output.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, done.tenant_id, done.id, 'ingestion.succeeded',
         webhook_message('ingestion.succeeded', done.id, done.tenant_id, 'Succeeded', done.attempt,
                         done.max_attempts, done.event_count, done.created_at, done.processed_at, NULL,
                         done.output, NULL),
         done.traceparent
  FROM done
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = done.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.succeeded' = ANY (endpoint.events)
  RETURNING 1
)
SELECT done.id, (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM done
CROSS JOIN finished
