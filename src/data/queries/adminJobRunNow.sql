-- An operator runs a Pending job now: one waiting out its retry backoff becomes due at once (one already
-- due keeps its place: its available_at is not moved later), and idle workers are woken. A job of a
-- paused tenant, or while processing is paused, is due but stays Pending until the pause ends.
-- $1 job id
WITH due AS (
  UPDATE ingestion_jobs
  SET available_at = least(available_at, now()), updated_at = now()
  WHERE id = $1 AND status = 'Pending'
  RETURNING id
)
SELECT due.id, pg_notify('ingestion_jobs_created', '') FROM due
