-- Claims, for worker $1 with a lease of $3 seconds, those of the jobs $2 that are still Pending and due,
-- at most $4, counting the attempt: what jobsClaim does, for jobs an insert has just announced by id
-- (jobInsertMany.sql) to a worker with nothing to do. No walk of the tenants: a worker is idle only
-- when its last fair claim found nothing due, so these jobs are the whole queue it can see. Another
-- worker that heard the same announcement gets the rows this one locked skipped (SKIP LOCKED), and the
-- caller falls back to the fair claim whenever this one comes back empty.
-- It also leaves the ids it claimed on the connection, under the caller's nonce $5, in the session
-- setting ingest.claimed_by_ids: a completion the caller pipelines right behind it on the same
-- connection (jobsSucceed.sql with $3 = $5) completes exactly them, a round trip sooner. A completion
-- that finds another nonce there (another claim's, or none) completes nothing.
WITH picked AS (
  SELECT j.id
  FROM ingestion_jobs AS j
  -- By primary key; status IN (…) names the unfinished partition (migration 011), and the second test,
  -- in a form no index serves, keeps the planner on the ids rather than on a status index.
  WHERE j.id = ANY ($2::uuid[]) AND j.status IN ('Pending', 'Processing') AND j.status || '' = 'Pending'
    AND j.available_at <= now()
    -- Pauses hold as in jobsClaim.sql: a paused tenant's jobs, and every job while processing is paused,
    -- wait for the fair claim after the resume.
    AND j.tenant_id NOT IN (SELECT p.tenant_id FROM tenant_pauses AS p)
    AND NOT EXISTS (SELECT FROM processing_pauses)
  ORDER BY j.available_at
  LIMIT $4
  FOR UPDATE SKIP LOCKED
),
-- As in jobsClaim.sql: a claim lost in a database crash only returns its jobs to Pending, and the
-- completion, whose commit waits for the flush, flushes the claim with it.
no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
),
claimed AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Processing',
      attempt = job.attempt + 1,
      locked_by = $1,
      locked_until = clock_timestamp() + make_interval(secs => $3),
      attempted_at = now(),
      updated_at = now()
  FROM no_flush_wait
  WHERE job.id = ANY (ARRAY(SELECT id FROM picked))
    AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.tenant_id, job.attempt, job.max_attempts,
    extract(epoch FROM now() - job.created_at)::float8 AS waited_seconds, job.available_at,
    -- The trace the job belongs to: the worker's spans for it continue it.
    job.traceparent
),
remembered AS (
  SELECT set_config('ingest.claimed_by_ids', $5 || ' ' || coalesce(string_agg(id::text, ','), ''), false) FROM claimed
)
SELECT id, tenant_id, attempt, max_attempts, waited_seconds, traceparent
FROM claimed
CROSS JOIN remembered
ORDER BY available_at, id
