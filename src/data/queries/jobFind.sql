-- One job's status. $1 id
SELECT id, tenant_id, status, attempt, max_attempts, event_count, error,
       created_at, updated_at, processed_at, available_at
FROM ingestion_jobs
WHERE id = $1
