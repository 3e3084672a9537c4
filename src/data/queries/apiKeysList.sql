-- Keys for the CLI's list, newest first, of one tenant or (null) all. Never the digest. $1 tenant or null
SELECT id, kind, tenant_id, name, hint, created_at, last_used_at, expires_at, revoked_at,
       rate_limit_rps::float8 AS rate_limit_rps, rate_limit_eps::float8 AS rate_limit_eps, allowed_origins
FROM api_keys
WHERE $1::text IS NULL OR tenant_id = $1
ORDER BY created_at DESC, id
