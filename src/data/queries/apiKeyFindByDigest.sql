-- The key a request presents, by the unique index on its digest. Whether it may be used is decided here,
-- on the database clock, so every API process agrees on when a key expires. $1 digest
SELECT id, kind, tenant_id, rate_limit_rps::float8 AS rate_limit_rps,
       rate_limit_eps::float8 AS rate_limit_eps, allowed_origins,
       revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AS usable
FROM api_keys
WHERE digest = $1
