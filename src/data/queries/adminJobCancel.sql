-- An operator cancels a Pending job. The template's clients know only four statuses, so a cancelled job
-- is Failed, with error 'cancelled by an operator' and cancelled_at set: they see a final state they
-- already handle. A job being processed cannot be cancelled (its worker holds the lease).
-- A cancelled job is finished: its notification answers `Prefer: wait` requests for it at once.
-- $1 job id
WITH cancelled AS (
  UPDATE ingestion_jobs
  SET status = 'Failed', error = 'cancelled by an operator', cancelled_at = now(), processed_at = now(),
      updated_at = now(),
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', now(), 'endedAt', now(),
                                                'worker', 'operator', 'outcome', 'cancelled',
                                                'error', 'cancelled by an operator')
  WHERE id = $1 AND status = 'Pending'
  RETURNING id
)
SELECT cancelled.id, pg_notify('ingestion_jobs_finished', cancelled.id::text) FROM cancelled
