-- Recreates whatever part of the row-level security of a tenant's reads is missing, then records that
-- the database has it (tenant_read_protection.required). The migrator runs it after the migrations,
-- every time: a database restored from a dump into another server comes without the role
-- ingest_tenant_reader and so without its grants and policies. Each part is checked first, so a database
-- that has everything is only read. The definitions are those of migrations 005 and 011. Without the
-- privilege for a part (no CREATEROLE, not the tables' owner) it stops with a NOTICE and records nothing.
DO $$
DECLARE
  created boolean := false;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingest_tenant_reader') THEN
    BEGIN
      CREATE ROLE ingest_tenant_reader NOLOGIN;
      created := true;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN NULL;
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot create role ingest_tenant_reader: %', SQLERRM;
        RETURN;
    END;
  END IF;
  -- PostgreSQL 16 and newer grant a role to the non-superuser who created it with ADMIN only: the
  -- explicit grant adds the membership that SET ROLE needs.
  IF created OR NOT pg_has_role(current_user, 'ingest_tenant_reader', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT ingest_tenant_reader TO %I', current_user);
    EXCEPTION
      WHEN insufficient_privilege OR invalid_grant_operation THEN
        RAISE NOTICE 'cannot grant ingest_tenant_reader to %: %', current_user, SQLERRM;
    END;
  END IF;
  BEGIN
    IF NOT (has_table_privilege('ingest_tenant_reader', 'ingestion_jobs', 'SELECT')
            AND has_table_privilege('ingest_tenant_reader', 'raw_events', 'SELECT')
            AND has_table_privilege('ingest_tenant_reader', 'ingestion_results', 'SELECT')) THEN
      GRANT SELECT ON ingestion_jobs, raw_events, ingestion_results TO ingest_tenant_reader;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy
                   WHERE polrelid = 'ingestion_jobs'::regclass AND polname = 'tenant_reader') THEN
      CREATE POLICY tenant_reader ON ingestion_jobs AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
        USING (tenant_id = current_setting('ingest.tenant_id', true));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy
                   WHERE polrelid = 'raw_events'::regclass AND polname = 'tenant_reader') THEN
      CREATE POLICY tenant_reader ON raw_events AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
        USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = raw_events.job_id
                       AND job.tenant_id = current_setting('ingest.tenant_id', true)));
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policy
                   WHERE polrelid = 'ingestion_results'::regclass AND polname = 'tenant_reader') THEN
      CREATE POLICY tenant_reader ON ingestion_results AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
        USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = ingestion_results.job_id
                       AND job.tenant_id = current_setting('ingest.tenant_id', true)));
    END IF;
  EXCEPTION
    WHEN insufficient_privilege THEN
      RAISE NOTICE 'cannot grant to or create the policies of ingest_tenant_reader: %', SQLERRM;
      RETURN;
  END;
  UPDATE tenant_read_protection SET required = true, required_since = now() WHERE NOT required;
END
$$
