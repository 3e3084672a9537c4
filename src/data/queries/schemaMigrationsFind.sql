-- The applied migrations. Read through to_jsonb so that a ledger without the backward_compatible column
-- (written by an older build) reads as "not compatible" instead of failing.
SELECT m.version, m.name, coalesce((to_jsonb(m) ->> 'backward_compatible')::boolean, false) AS backward_compatible
FROM schema_migrations m
ORDER BY m.version
