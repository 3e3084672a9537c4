-- An operator retries a Failed job (cancelled ones included): it is Pending again, due now, with its
-- attempts counted from zero so it gets max_attempts fresh attempts. Its history stays and records the
-- retry. Workers are woken. Only a Failed job changes; the caller tells "not Failed" from "unknown".
-- A job whose events retention has dropped (RAW_EVENT_RETENTION_DAYS) is not retried: it would succeed
-- with no results.
-- $1 job id
WITH retried AS (
  UPDATE ingestion_jobs
  SET status = 'Pending', attempt = 0, available_at = now(), processed_at = NULL, error = NULL,
      cancelled_at = NULL, updated_at = now(),
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', now(), 'endedAt', now(),
                                                'worker', 'operator', 'outcome', 'retried', 'error', NULL)
  WHERE id = $1 AND status = 'Failed'
    AND EXISTS (SELECT 1 FROM raw_events AS e
                WHERE e.job_id = ingestion_jobs.id AND e.accepted_at = ingestion_jobs.created_at)
  RETURNING id
)
SELECT retried.id, pg_notify('ingestion_jobs_created', '') FROM retried
