-- Records the outcomes of worker $1's attempts, one set-based statement for a batch of them: $2 ids,
-- $3 their attempt numbers, $4 kinds (delivered, retry, failed: attempts spent, gone: 410), $5 status
-- codes (null: no response), $6 durations in ms, $7 errors, $8 seconds until the next attempt (retry),
-- $9 when each attempt started. Fenced like a job's completion: only the claim's holder, for that
-- attempt, records it; a message another worker took over meanwhile is left to that worker. A retry for
-- an endpoint that was disabled or deleted since the claim gives up instead. (A 410 disables its endpoint
-- in a statement of its own, webhookEndpointsDisable.sql: rare, and kept out of this one.)
--
-- Its commit does not wait for the WAL to reach disk, as the claim's does not: an outcome lost in a
-- database crash leaves the message claimed, due again when the claim ends, and sent once more with the
-- same webhook-id, which the receiver drops. Delivery is at least once anyway, and a disk flush per
-- batch of outcomes was most of what delivering cost the database.
WITH no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
)
UPDATE webhook_deliveries AS d
SET status = CASE
      WHEN o.kind = 'delivered' THEN 'delivered'
      WHEN o.kind = 'retry'
           AND EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL)
        THEN 'pending'
      ELSE 'failed' END,
    next_attempt_at = CASE WHEN o.kind = 'retry' THEN now() + make_interval(secs => o.retry_seconds)
                           ELSE d.next_attempt_at END,
    finished_at = CASE WHEN o.kind = 'retry' THEN NULL ELSE now() END,
    locked_by = NULL,
    locked_until = NULL,
    last_error = o.error,
    attempts = d.attempts || jsonb_build_object('attempt', o.attempt, 'startedAt', o.started_at,
                                                'durationMs', round(o.duration_ms),
                                                'statusCode', o.status_code, 'error', o.error, 'worker', $1)
FROM unnest($2::uuid[], $3::integer[], $4::text[], $5::integer[], $6::float8[], $7::text[], $8::float8[],
            $9::timestamptz[]) AS o (id, attempt, kind, status_code, duration_ms, error, retry_seconds, started_at),
     no_flush_wait
WHERE d.id = o.id AND d.locked_by = $1 AND d.attempt = o.attempt AND d.status = 'pending'
RETURNING d.id, d.endpoint_id, d.status, o.kind
