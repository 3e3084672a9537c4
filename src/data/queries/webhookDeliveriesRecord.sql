-- Records the outcomes of worker $1's attempts, one set-based statement for a batch of them: $2 ids,
-- $3 their attempt numbers, $4 kinds (delivered, retry, failed: attempts spent, gone: 410), $5 status
-- codes (null: no response), $6 durations in ms, $7 errors, $8 seconds until the next attempt (retry),
-- $9 when each attempt started. Fenced like a job's completion: only the claim's holder, for that
-- attempt, records it; a message another worker took over meanwhile is left to that worker.
-- A 410 disables the endpoint, and its other waiting messages are given up with it.
WITH outcome AS (
  SELECT *
  FROM unnest($2::uuid[], $3::integer[], $4::text[], $5::integer[], $6::float8[], $7::text[], $8::float8[],
              $9::timestamptz[])
    AS o (id, attempt, kind, status_code, duration_ms, error, retry_seconds, started_at)
),
-- Endpoints that answered 410 in this batch, or were disabled or deleted since the claim: a retry for
-- them gives up instead.
gone AS (
  SELECT d.endpoint_id FROM webhook_deliveries AS d JOIN outcome AS o ON o.id = d.id WHERE o.kind = 'gone'
),
recorded AS (
  UPDATE webhook_deliveries AS d
  SET status = CASE
        WHEN o.kind = 'delivered' THEN 'delivered'
        WHEN o.kind = 'retry' AND d.endpoint_id NOT IN (SELECT endpoint_id FROM gone)
             AND EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL)
          THEN 'pending'
        ELSE 'failed' END,
      next_attempt_at = CASE WHEN o.kind = 'retry' THEN now() + make_interval(secs => o.retry_seconds)
                             ELSE d.next_attempt_at END,
      finished_at = CASE WHEN o.kind = 'retry' THEN NULL ELSE now() END,
      locked_by = NULL,
      last_error = o.error,
      attempts = d.attempts || jsonb_build_object('attempt', o.attempt, 'startedAt', o.started_at,
                                                  'durationMs', round(o.duration_ms),
                                                  'statusCode', o.status_code, 'error', o.error, 'worker', $1)
  FROM outcome AS o
  WHERE d.id = o.id AND d.locked_by = $1 AND d.attempt = o.attempt AND d.status = 'pending'
  RETURNING d.id, d.status
),
disabled AS (
  UPDATE webhook_endpoints AS e
  SET disabled_at = now(), disabled_reason = 'it answered 410 Gone'
  WHERE e.id IN (SELECT endpoint_id FROM gone) AND e.disabled_at IS NULL
  RETURNING e.id
),
-- Not those being sent right now (their own outcome gives them up), nor those just recorded.
given_up AS (
  UPDATE webhook_deliveries AS d
  SET status = 'failed', finished_at = now(), locked_by = NULL,
      last_error = 'not sent: the endpoint was disabled after it answered 410 Gone'
  WHERE d.endpoint_id IN (SELECT id FROM disabled) AND d.status = 'pending'
    AND (d.locked_by IS NULL OR d.next_attempt_at < now())
    AND d.id NOT IN (SELECT id FROM outcome)
  RETURNING d.id
)
SELECT recorded.id, recorded.status, (SELECT count(*) FROM given_up)::integer AS given_up
FROM recorded
