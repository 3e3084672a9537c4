-- Resumes tenant $1: its due jobs can be claimed again, and idle workers are woken to claim them at once.
-- A tenant that was not paused: nothing changes and no one is woken.
WITH resumed AS (
  DELETE FROM tenant_pauses WHERE tenant_id = $1 RETURNING tenant_id
)
SELECT resumed.tenant_id, pg_notify('ingestion_jobs_created', '') FROM resumed
