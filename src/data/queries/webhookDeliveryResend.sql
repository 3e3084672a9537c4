-- An operator sends a message again: pending and due at once, with a fresh set of attempts, the same
-- webhook-id and body (a receiver that already has it can tell). Its history stays, marked. Not while an
-- attempt is on its way, nor to an endpoint that is disabled or gone. Answers whether the message exists
-- and whether it was resent, so the caller can tell "unknown" from "not now".
-- $1 delivery id
WITH resent AS (
  UPDATE webhook_deliveries AS d
  SET status = 'pending', attempt = 0, next_attempt_at = now(), finished_at = NULL, locked_by = NULL,
      locked_until = NULL,
      attempts = d.attempts || jsonb_build_object('resentAt', now(), 'worker', 'operator')
  FROM webhook_endpoints AS e
  WHERE d.id = $1 AND e.id = d.endpoint_id AND e.disabled_at IS NULL
    AND NOT (d.status = 'pending' AND d.locked_until > now())
  RETURNING d.id
)
SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1) AS found,
       EXISTS (SELECT 1 FROM resent) AS resent
