-- A job's webhook messages with every attempt, for the admin API and the dashboard's job page. The
-- endpoint's URL as it is now (null once the endpoint is deleted).
-- $1 job id
SELECT d.id, d.endpoint_id, e.url, d.event_type, d.status, d.attempt, d.next_attempt_at, d.created_at,
       d.finished_at, d.last_error, d.attempts,
       (d.status = 'pending' AND d.locked_until > now()) AS sending
FROM webhook_deliveries AS d
LEFT JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
WHERE d.job_id = $1
ORDER BY d.created_at, d.id
