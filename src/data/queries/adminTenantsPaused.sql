-- The tenant list of paused tenants only, in tenant_id order after $1 ('' at first), $2 rows.
SELECT p.tenant_id
FROM tenant_pauses AS p
WHERE p.tenant_id > $1
ORDER BY p.tenant_id
LIMIT $2
