-- Claims up to $2 due jobs for worker $1 with a lease of $3 seconds, counting the attempt.
-- The LIMIT sits in a CTE that the UPDATE joins, so no more rows than the LIMIT can be updated;
-- SKIP LOCKED lets any number of workers claim at once without waiting on each other.
-- The lease runs from the moment of the write (clock_timestamp()), not from the transaction's start
-- (now()): a claim that waited on a table lock longer than the lease would otherwise commit a lease
-- that had already expired.
WITH due AS (
  SELECT id
  FROM ingestion_jobs
  WHERE status = 'Pending' AND available_at <= now()
  ORDER BY available_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
-- This transaction's commit does not wait for the WAL to reach disk. Losing a claim in a database crash
-- only returns the job to Pending (the worker's completion is then refused by the fence), and the
-- completion, whose commit does wait, flushes the claim with it. It saves a disk flush between a job's
-- acceptance and its processing. Set per transaction, so a connection pooler never carries it over.
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
  -- For the metric ingest_job_queue_wait_seconds, on the database's clock like created_at.
  extract(epoch FROM now() - job.created_at)::float8 AS waited_seconds
