-- Takes back jobs whose worker stopped renewing its lease (it crashed or lost the database). The
-- abandoned attempt counts: a job that keeps killing its worker still ends Failed after max_attempts.
-- SKIP LOCKED: a job being completed right now is not waited for; it is about to leave Processing.
-- available_at is left as it was: the job keeps its place at the head of the queue instead of going to
-- the back of a backlog, so a dead worker's job runs again soon after its lease expires.
WITH expired AS (
  SELECT id
  FROM ingestion_jobs
  WHERE status = 'Processing' AND locked_until < now()
  ORDER BY locked_until
  LIMIT 1000
  FOR UPDATE SKIP LOCKED
)
UPDATE ingestion_jobs AS job
SET status = CASE WHEN job.attempt >= job.max_attempts THEN 'Failed' ELSE 'Pending' END,
    processed_at = CASE WHEN job.attempt >= job.max_attempts THEN now() END,
    error = format('attempt %s of %s was abandoned: worker %s stopped renewing its lease',
                   job.attempt, job.max_attempts, job.locked_by),
    attempts = job.attempts || jsonb_build_object('attempt', job.attempt, 'startedAt', job.attempted_at,
                                                  'endedAt', now(), 'worker', job.locked_by,
                                                  'outcome', 'abandoned', 'error', 'the worker stopped renewing its lease'),
    locked_by = NULL,
    locked_until = NULL,
    updated_at = now()
FROM expired
WHERE job.id = expired.id
RETURNING job.id, job.status
