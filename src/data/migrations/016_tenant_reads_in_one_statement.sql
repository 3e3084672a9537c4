-- backward-compatible
-- A tenant's read in one statement (one round trip) instead of a transaction of four (BEGIN READ ONLY,
-- the role and tenant settings, the read, COMMIT): a read under row-level security cost 0.39 of a plain
-- read, almost all of it round trips (docs/performance.md). Each function does what that transaction
-- did, in the same order, inside the caller's statement:
-- * the transaction becomes read-only;
-- * the role becomes ingest_tenant_reader (when $3 says the caller may; see tenantReaderRoleFind.sql)
--   and ingest.tenant_id the tenant, both transaction-local, so they end with the statement's implicit
--   transaction and a pooler hands nothing on;
-- * the read runs. PL/pgSQL plans it when it first runs, under the reader role, so row-level security
--   applies to it as to any statement of that role (PostgreSQL replans a cached plan that depended on
--   row-level security when the role differs); an SQL-language function would have planned it with the
--   caller's role, before the switch.
-- SECURITY INVOKER (the default): the caller must itself be allowed to become ingest_tenant_reader, as
-- for the transaction it replaces. The application's own WHERE tenant_id stays as well.

-- What both reads do first: the transaction read-only, the reader role (when the caller may), the tenant.
CREATE FUNCTION ingest_tenant_scope_enter(p_tenant text, p_as_reader boolean)
RETURNS void
LANGUAGE plpgsql VOLATILE
AS $$
BEGIN
  PERFORM set_config('transaction_read_only', 'on', true);
  IF p_as_reader THEN
    PERFORM set_config('role', 'ingest_tenant_reader', true);
  END IF;
  PERFORM set_config('ingest.tenant_id', p_tenant, true);
END
$$;

CREATE FUNCTION ingest_tenant_job_find(p_tenant text, p_id uuid, p_as_reader boolean)
RETURNS TABLE (id uuid, tenant_id text, status text, attempt integer, max_attempts integer,
               event_count integer, error text, created_at timestamptz, updated_at timestamptz,
               processed_at timestamptz, available_at timestamptz)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
  PERFORM ingest_tenant_scope_enter(p_tenant, p_as_reader);
  RETURN QUERY
    SELECT j.id, j.tenant_id, j.status, j.attempt, j.max_attempts, j.event_count, j.error,
           j.created_at, j.updated_at, j.processed_at, j.available_at
    FROM ingestion_jobs AS j
    WHERE j.id = p_id AND j.tenant_id = p_tenant;
END
$$;

-- A job's status, results and output, as resultsFind.sql reads them, for one tenant.
CREATE FUNCTION ingest_tenant_results_find(p_tenant text, p_job_id uuid, p_as_reader boolean)
RETURNS TABLE (status text, output jsonb, has_output boolean, event_type text, count integer,
               first_micros text, last_micros text)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
  PERFORM ingest_tenant_scope_enter(p_tenant, p_as_reader);
  RETURN QUERY
    SELECT job.status, job.output, job.output IS NOT NULL, r.event_type, r.count,
           (extract(epoch FROM r.first_timestamp) * 1000000)::bigint::text,
           (extract(epoch FROM r.last_timestamp) * 1000000)::bigint::text
    FROM ingestion_jobs AS job
    LEFT JOIN ingestion_results AS r ON r.job_id = job.id
    WHERE job.id = p_job_id AND job.tenant_id = p_tenant
    ORDER BY r.event_type_key COLLATE "C", r.event_type COLLATE "C";
END
$$;
