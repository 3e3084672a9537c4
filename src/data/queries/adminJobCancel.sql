-- An operator cancels a Pending or a Processing job. The template's clients know only four statuses, so
-- a cancelled job is Failed, with error 'cancelled by an operator' and cancelled_at set: they see a final
-- state they already handle. A cancelled job is finished: its notification answers `Prefer: wait`
-- requests for it at once.
-- A Processing job is taken from its worker here, in one statement, exactly as its completion would end
-- it: the lease is cleared and the row leaves the Processing state, so the worker's own outcome
-- statement, fenced on `locked_by = me AND status = 'Processing'`, finds nothing to change (no results
-- are ever written), and its next lease renewal no longer keeps the job: the worker then learns it was
-- cancelled (jobsCancelledFind.sql) and aborts the processor's signal. The history entry names the
-- worker whose attempt was cancelled ('operator' for a job that was not running).
-- $1 job id
WITH cancelled AS (
  UPDATE ingestion_jobs
  SET status = 'Failed', error = 'cancelled by an operator', cancelled_at = now(), processed_at = now(),
      updated_at = now(), locked_by = NULL, locked_until = NULL,
      attempts = attempts || jsonb_build_object(
        'attempt', attempt,
        'startedAt', CASE WHEN status = 'Processing' THEN attempted_at ELSE now() END,
        'endedAt', now(),
        'worker', CASE WHEN status = 'Processing' THEN locked_by ELSE 'operator' END,
        'outcome', 'cancelled', 'error', 'cancelled by an operator')
  WHERE id = $1 AND status IN ('Pending', 'Processing')
  RETURNING id
)
SELECT cancelled.id, pg_notify('ingestion_jobs_finished', cancelled.id::text) FROM cancelled
