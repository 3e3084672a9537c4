-- backward-compatible
-- API keys (issue 12) and row-level security on the three job tables.
--
-- A key is stored only as the SHA-256 digest of its full text: keys are 192 random bits, so a digest
-- cannot be reversed by guessing and needs no slow, salted hash (those exist for low-entropy passwords).
-- The unique index makes the lookup one index probe and two keys with one digest impossible.
CREATE TABLE api_keys (
  id            uuid        PRIMARY KEY,
  kind          text        NOT NULL CHECK (kind IN ('write', 'read', 'admin')),
  -- An admin key is not tied to a tenant; every other key is.
  tenant_id     text        CHECK ((kind = 'admin') = (tenant_id IS NULL)),
  name          text        NOT NULL DEFAULT '',
  digest        bytea       NOT NULL,
  -- The key's first characters (prefix and four more), to recognise it in a list; not enough to use it.
  hint          text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Written at most once a minute per key, not on every request.
  last_used_at  timestamptz,
  expires_at    timestamptz,
  revoked_at    timestamptz,
  -- Per-key overrides of the tenant rate limits (null: the settings' defaults); read by the limiter.
  rate_limit_rps numeric    CHECK (rate_limit_rps > 0),
  rate_limit_eps numeric    CHECK (rate_limit_eps > 0)
);
CREATE UNIQUE INDEX api_keys_digest_idx ON api_keys (digest);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at);

-- Row-level security: the read path of a tenant's key runs as the role ingest_tenant_reader, with the
-- tenant set per transaction (set_config('ingest.tenant_id', …, true)), and then sees that tenant's rows
-- only, whatever the statement's WHERE says. Other roles (the service's own: the API's write path, the
-- workers, the admin API) see every row through the permissive policy: they are trusted by design.
-- Table owners and superusers bypass row-level security anyway (no FORCE: the service's role is usually
-- the owner, and forcing would only add the policy's cost to every insert). docs/security.md says more.
ALTER TABLE ingestion_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE raw_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingestion_results ENABLE ROW LEVEL SECURITY;

CREATE POLICY service_all ON ingestion_jobs USING (true) WITH CHECK (true);
CREATE POLICY service_all ON raw_events USING (true) WITH CHECK (true);
CREATE POLICY service_all ON ingestion_results USING (true) WITH CHECK (true);

-- The role is created once per cluster (roles are shared by its databases), granted to the role that
-- runs the migration so the service may SET ROLE to it. Without the privilege to create roles (some
-- managed services) the migration still succeeds; the service then logs that tenant reads rely on the
-- application's WHERE alone.
DO $$
BEGIN
  BEGIN
    CREATE ROLE ingest_tenant_reader NOLOGIN;
  EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
      RAISE NOTICE 'cannot create role ingest_tenant_reader: tenant reads are not confined by RLS';
      RETURN;
  END;
  BEGIN
    EXECUTE format('GRANT ingest_tenant_reader TO %I', current_user);
  EXCEPTION
    WHEN insufficient_privilege OR invalid_grant_operation THEN
      RAISE NOTICE 'cannot grant ingest_tenant_reader to %: tenant reads are not confined by RLS', current_user;
  END;
  GRANT SELECT ON ingestion_jobs, raw_events, ingestion_results TO ingest_tenant_reader;
  -- Restrictive: for this role they are ANDed with the permissive policy above. An absent setting is
  -- NULL, which matches no row.
  CREATE POLICY tenant_reader ON ingestion_jobs AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
    USING (tenant_id = current_setting('ingest.tenant_id', true));
  CREATE POLICY tenant_reader ON raw_events AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
    USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = raw_events.job_id
                   AND job.tenant_id = current_setting('ingest.tenant_id', true)));
  CREATE POLICY tenant_reader ON ingestion_results AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
    USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = ingestion_results.job_id
                   AND job.tenant_id = current_setting('ingest.tenant_id', true)));
END
$$;
