-- One job's status for a tenant's read key, run inside tenantScopeEnter: row-level security confines it
-- too. Another tenant's job and an unknown id take this same path and both return no row. $1 id, $2 tenant
SELECT id, tenant_id, status, attempt, max_attempts, event_count, error,
       created_at, updated_at, processed_at, available_at
FROM ingestion_jobs
WHERE id = $1 AND tenant_id = $2
