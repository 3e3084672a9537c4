-- Turns webhook endpoint $1 back on (one that was disabled after it answered 410 Gone, say): the
-- statements that finish jobs write messages for it again from now on. The messages given up while it
-- was off stay given up; each can be re-sent (webhookDeliveryResend.sql). Returns the endpoint's id
-- whether or not it was disabled, nothing when there is no such endpoint.
UPDATE webhook_endpoints
SET disabled_at = NULL, disabled_reason = NULL
WHERE id = $1
RETURNING id
