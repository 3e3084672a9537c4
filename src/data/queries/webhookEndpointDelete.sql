-- Deletes webhook endpoint $1; its messages waiting to be sent are given up (those being sent right now
-- give up when their outcome is recorded). Their history stays with their jobs.
WITH deleted AS (
  DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id
),
given_up AS (
  UPDATE webhook_deliveries AS d
  SET status = 'failed', finished_at = now(), locked_by = NULL, locked_until = NULL,
      last_error = 'not sent: the endpoint was deleted'
  WHERE d.endpoint_id IN (SELECT id FROM deleted) AND d.status = 'pending'
    AND (d.locked_until IS NULL OR d.locked_until < now())
)
SELECT id FROM deleted
