-- The webhook endpoints, of tenant $1 or of every tenant (null), newest first, with how many messages
-- each has waiting (counted to 10,000 at most). Never the secrets.
SELECT e.id, e.tenant_id, e.url, e.events, e.created_at, e.rotated_at, e.previous_secret_until,
       e.disabled_at, e.disabled_reason,
       (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries AS d
                              WHERE d.endpoint_id = e.id AND d.status = 'pending' LIMIT 10000) AS w)::integer
         AS pending
FROM webhook_endpoints AS e
WHERE $1::text IS NULL OR e.tenant_id = $1
ORDER BY e.created_at DESC, e.id
