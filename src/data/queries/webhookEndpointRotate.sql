-- Gives webhook endpoint $1 a new secret $2. The one it replaces keeps signing until $3 seconds from now
-- (every message then carries both signatures), so receivers can switch without losing a message.
UPDATE webhook_endpoints
SET previous_secret = secret, previous_secret_until = now() + make_interval(secs => $3), secret = $2,
    rotated_at = now()
WHERE id = $1
RETURNING id, previous_secret_until
