-- One job's status for a tenant's read key, in one statement under row-level security: the function of
-- migration 016 makes the transaction read-only, switches to ingest_tenant_reader (when $3) and sets the
-- tenant, then reads. Another tenant's job and an unknown id take this same path and both return no row.
-- $1 id, $2 tenant, $3 whether to switch to ingest_tenant_reader
SELECT id, tenant_id, status, attempt, max_attempts, event_count, error,
       created_at, updated_at, processed_at, available_at
FROM ingest_tenant_job_find($2, $1, $3)
