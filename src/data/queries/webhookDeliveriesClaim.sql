-- Claims up to $2 due webhook messages for worker $1, at most $3 per endpoint less what this worker
-- already sends to it ($4 endpoint ids, $5 their counts), each with a lease of $6 seconds, taking
-- endpoints in turn from just after endpoint $7, at most $8 endpoints per claim.
--
-- Fair across endpoints, as the job claim is across tenants: a receiver with thousands of messages
-- waiting gets its share of each claim, never the whole of it, so one tenant's backlog or slow receiver
-- does not delay another's messages. The endpoints with messages waiting are found by a recursive walk
-- of webhook_deliveries_due_idx, one index descent per endpoint (a "skip scan"), starting after $7 and
-- wrapping around, lazily: it stops at $8 endpoints. Each endpoint's due messages, oldest first, are then
-- read from the same index, within its room, with SKIP LOCKED: concurrent claimers take different
-- messages. The batch takes every endpoint's first message before any endpoint's second.
--
-- A claimed message is held until locked_until: a worker that died while sending leaves it due again
-- then, for another worker, with the same id. The attempt is counted at the claim, which changes no
-- indexed column (a HOT update).
WITH RECURSIVE
after_cursor (endpoint_id) AS (
  SELECT (SELECT d.endpoint_id FROM webhook_deliveries AS d
          WHERE d.status = 'pending' AND d.endpoint_id > $7 ORDER BY d.endpoint_id LIMIT 1)
  UNION ALL
  SELECT (SELECT d.endpoint_id FROM webhook_deliveries AS d
          WHERE d.status = 'pending' AND d.endpoint_id > r.endpoint_id ORDER BY d.endpoint_id LIMIT 1)
  FROM after_cursor AS r
  WHERE r.endpoint_id IS NOT NULL
),
up_to_cursor (endpoint_id) AS (
  SELECT (SELECT d.endpoint_id FROM webhook_deliveries AS d
          WHERE d.status = 'pending' AND d.endpoint_id <= $7 ORDER BY d.endpoint_id LIMIT 1)
  UNION ALL
  SELECT (SELECT d.endpoint_id FROM webhook_deliveries AS d
          WHERE d.status = 'pending' AND d.endpoint_id > r.endpoint_id AND d.endpoint_id <= $7
          ORDER BY d.endpoint_id LIMIT 1)
  FROM up_to_cursor AS r
  WHERE r.endpoint_id IS NOT NULL
),
ring AS (
  SELECT endpoint_id, row_number() OVER () AS position
  FROM (
    (SELECT endpoint_id FROM after_cursor WHERE endpoint_id IS NOT NULL)
    UNION ALL
    (SELECT endpoint_id FROM up_to_cursor WHERE endpoint_id IS NOT NULL)
    LIMIT $8
  ) AS visited
),
-- Disabled endpoints take nothing (their waiting messages were given up when they were disabled).
room AS (
  SELECT ring.endpoint_id, ring.position, $3 - coalesce(busy.sending, 0) AS room
  FROM ring
  JOIN webhook_endpoints AS endpoint ON endpoint.id = ring.endpoint_id AND endpoint.disabled_at IS NULL
  LEFT JOIN unnest($4::uuid[], $5::integer[]) AS busy (endpoint_id, sending)
    ON busy.endpoint_id = ring.endpoint_id
),
picked AS (
  SELECT due.id, due.next_attempt_at, room.position,
         row_number() OVER (PARTITION BY room.endpoint_id ORDER BY due.next_attempt_at) AS turn
  FROM room
  CROSS JOIN LATERAL (
    SELECT d.id, d.next_attempt_at
    FROM webhook_deliveries AS d
    WHERE d.endpoint_id = room.endpoint_id AND d.status = 'pending' AND d.next_attempt_at <= now()
      AND (d.locked_until IS NULL OR d.locked_until < now())
    ORDER BY d.next_attempt_at
    LIMIT greatest(room.room, 0)
    FOR UPDATE SKIP LOCKED
  ) AS due
),
chosen AS (
  SELECT id FROM picked ORDER BY turn, position LIMIT $2
),
-- As the job claim: a claim lost in a database crash only sends a message once more.
no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
),
claimed AS (
  UPDATE webhook_deliveries AS d
  SET attempt = d.attempt + 1, locked_by = $1, locked_until = clock_timestamp() + make_interval(secs => $6)
  FROM webhook_endpoints AS endpoint, no_flush_wait
  WHERE d.id = ANY (ARRAY(SELECT id FROM chosen)) AND d.status = 'pending' AND endpoint.id = d.endpoint_id
  RETURNING d.id, d.endpoint_id, d.job_id, d.tenant_id, d.event_type, d.attempt, d.payload::text AS body,
    d.traceparent, endpoint.url, endpoint.secret,
    CASE WHEN endpoint.previous_secret_until > now() THEN endpoint.previous_secret END AS previous_secret,
    (SELECT endpoint_id FROM ring ORDER BY position DESC LIMIT 1) AS ring_end
)
SELECT * FROM claimed
