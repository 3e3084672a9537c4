-- Stores a new key's digest (never its text). The expiry is computed from the database clock, as every
-- other time the service keeps. $1 id, $2 kind, $3 tenant (null for admin), $4 name, $5 digest, $6 hint,
-- $7 lifetime in seconds (null: never expires), $8 requests/s override, $9 events/s override,
-- $10 the origins it may be used from (null: any)
INSERT INTO api_keys (id, kind, tenant_id, name, digest, hint, expires_at, rate_limit_rps, rate_limit_eps,
                      allowed_origins)
VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), $8, $9, $10)
RETURNING created_at, expires_at
