-- backward-compatible
-- Whether this database's tenant reads are confined by row-level security, kept with the data.
--
-- The role ingest_tenant_reader belongs to the server, not to a database: pg_dump leaves it out, so a
-- dump restored into another server loses the role and, with it, the grants and policies that name it
-- (pg_restore reports them as errors and goes on). The migrator recreates what is missing at every run
-- (queries/tenantReadProtectionEnsure.sql) and sets `required` once everything is in place; an API that
-- then finds the protection gone refuses a tenant's reads instead of serving them confined by the
-- application's WHERE alone (src/data/tenantReads.ts, docs/backup.md). A database whose migrator could
-- never create the role keeps `required` false and works as before, with a warning at start.
CREATE TABLE tenant_read_protection (
  singleton      boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  required       boolean     NOT NULL DEFAULT false,
  required_since timestamptz
);
INSERT INTO tenant_read_protection DEFAULT VALUES;
