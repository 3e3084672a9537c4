-- The claim before fair queueing (issue 12), kept as the fairness bench's baseline: the bench runs a
-- worker built with this file in place of src/data/queries/jobsClaim.sql. Oldest due jobs first,
-- whatever their tenant. It takes the same parameters and returns the same columns as today's claim
-- ($4, the tenant cursor, is read and ignored; ring_end is always NULL).
WITH due AS (
  SELECT id
  FROM ingestion_jobs
  WHERE status = 'Pending' AND available_at <= now() AND $4::text IS NOT NULL
  ORDER BY available_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
)
UPDATE ingestion_jobs AS job
SET status = 'Processing',
    attempt = job.attempt + 1,
    locked_by = $1,
    locked_until = clock_timestamp() + make_interval(secs => $3),
    attempted_at = now(),
    updated_at = now()
FROM due, no_flush_wait
WHERE job.id = due.id
RETURNING job.id, job.tenant_id, job.attempt, job.max_attempts,
  extract(epoch FROM now() - job.created_at)::float8 AS waited_seconds,
  NULL::text AS ring_end
