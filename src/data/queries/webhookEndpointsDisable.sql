-- Disables endpoints $1 that answered 410 Gone: nothing more is written for them (the statements that
-- finish jobs write only for enabled endpoints) or claimed for them, and their messages still waiting are
-- given up, but not those being sent right now (their own outcome gives them up).
WITH disabled AS (
  UPDATE webhook_endpoints
  SET disabled_at = now(), disabled_reason = 'it answered 410 Gone'
  WHERE id = ANY ($1::uuid[]) AND disabled_at IS NULL
)
UPDATE webhook_deliveries AS d
SET status = 'failed', finished_at = now(), locked_by = NULL, locked_until = NULL,
    last_error = 'not sent: the endpoint was disabled after it answered 410 Gone'
WHERE d.endpoint_id = ANY ($1::uuid[]) AND d.status = 'pending'
  AND (d.locked_until IS NULL OR d.locked_until < now())
RETURNING d.id
