-- Hands messages $2 of a stopping worker $1 back without using up an attempt: due again at once, for
-- any worker.
UPDATE webhook_deliveries
SET attempt = attempt - 1, locked_by = NULL, locked_until = NULL
WHERE id = ANY ($2::uuid[]) AND locked_by = $1 AND status = 'pending'
RETURNING id
