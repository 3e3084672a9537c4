-- Revokes a key named by its id or by its digest (the CLI accepts either); revoking twice keeps the first
-- time. Returns the key, or nothing when none matches. $1 id or null, $2 digest or null
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1 OR digest = $2
RETURNING id, kind, tenant_id, name, revoked_at
