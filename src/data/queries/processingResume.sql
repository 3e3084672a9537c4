-- Resumes processing for every tenant (those paused one by one stay paused) and wakes idle workers.
WITH resumed AS (
  DELETE FROM processing_pauses RETURNING only_row
)
SELECT resumed.only_row, pg_notify('ingestion_jobs_created', '') FROM resumed
