-- Whether this connection's role may become ingest_tenant_reader (the migration creates and grants it
-- when it has the privilege to).
SELECT EXISTS (
  SELECT 1 FROM pg_roles AS r
  WHERE r.rolname = 'ingest_tenant_reader' AND pg_has_role(current_user, r.oid, 'MEMBER')
) AS available
