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
