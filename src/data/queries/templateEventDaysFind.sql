-- The UTC days the template's events will be stored in: the days its jobs with events were created
-- (accepted_at is the job's created_at). Jobs stamped ahead of the week of partitions the migrations
-- create (a clock set wrong) need theirs made before the copy (src/data/templateAdoption.ts).
SELECT DISTINCT date_trunc('day', j.created_at, 'UTC') AS day
FROM dotnet_template_ingestion_jobs AS j
WHERE EXISTS (SELECT 1 FROM dotnet_template_raw_events AS e WHERE e.job_id = j.id)
ORDER BY day
