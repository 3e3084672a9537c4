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
  RETURNING id, created_at, tenant_id, attempt, max_attempts, event_count, processed_at, traceparent, error
),
-- The outbox, as in jobsSucceed.sql: a cancelled job is Failed, and its tenant hears so.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, cancelled.tenant_id, cancelled.id, 'ingestion.failed',
         webhook_message('ingestion.failed', cancelled.id, cancelled.tenant_id, 'Failed', cancelled.attempt,
                         cancelled.max_attempts, cancelled.event_count, cancelled.created_at,
                         cancelled.processed_at, NULL, NULL, cancelled.error),
         cancelled.traceparent
  FROM cancelled
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = cancelled.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.failed' = ANY (endpoint.events)
  RETURNING 1
)
SELECT cancelled.id, pg_notify('ingestion_jobs_finished', cancelled.id::text),
       (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM cancelled
