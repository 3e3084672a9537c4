-- Completes job $2 of worker $1 with the output $3 its processor returned (src/processing/): marks it
-- Succeeded and stores the output in the same statement, so an output exists exactly when the job has
-- Succeeded. Fenced like jobsSucceed.sql: a job whose lease this worker no longer holds is left alone and
-- its output is dropped, so a processor that lost its lease can never overwrite the new holder's work.
-- Like jobsSucceed.sql, a job whose stored events are fewer than it was accepted with is not completed
-- (the processor saw only part of them): it comes back with the number found, for the worker to fail it.
WITH held AS (
  SELECT id, event_count,
         -- accepted_at names the job's partition: one index probe, not one per partition.
         (SELECT count(*) FROM raw_events AS e
          WHERE e.job_id = ingestion_jobs.id AND e.accepted_at = ingestion_jobs.created_at)::integer AS events_read
  FROM ingestion_jobs
  -- status || '' and status IN (…): see jobsSucceed.sql.
  WHERE id = $2::uuid AND locked_by = $1 AND status || '' = 'Processing'
    AND status IN ('Pending', 'Processing')
),
done AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Succeeded', processed_at = now(), updated_at = now(),
      locked_by = NULL, locked_until = NULL, error = NULL, output = $3::jsonb,
      attempts = job.attempts || jsonb_build_object('attempt', job.attempt, 'startedAt', job.attempted_at,
                                                    'endedAt', now(), 'worker', job.locked_by,
                                                    'outcome', 'succeeded', 'error', NULL)
  FROM held
  WHERE job.id = $2::uuid AND held.events_read >= held.event_count
    AND job.locked_by = $1 AND job.status || '' = 'Processing' AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.created_at, job.tenant_id, job.attempt, job.max_attempts, job.event_count,
            job.processed_at, job.traceparent, job.output
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
SELECT done.id, NULL::integer AS events_read, NULL::integer AS event_count,
       (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM done
CROSS JOIN finished
UNION ALL
SELECT held.id, held.events_read, held.event_count, 0
FROM held
WHERE held.events_read < held.event_count
