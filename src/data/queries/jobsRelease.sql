-- Hands jobs $2 of a stopping worker $1 back without using up an attempt: the attempt was interrupted
-- by us, not failed by the job. Other workers are woken to take them.
WITH released AS (
  UPDATE ingestion_jobs
  SET status = 'Pending', attempt = attempt - 1, available_at = now(),
      locked_by = NULL, locked_until = NULL, updated_at = now(),
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', attempted_at, 'endedAt', now(),
                                                'worker', locked_by, 'outcome', 'released',
                                                'error', 'handed back by a stopping worker; not counted')
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = ANY ($2::uuid[]) AND locked_by = $1 AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
  RETURNING id
)
SELECT released.id, pg_notify('ingestion_jobs_created', '') FROM released
