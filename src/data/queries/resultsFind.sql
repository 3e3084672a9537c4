-- A job's status and its results; one row with null result columns when there are none yet.
-- Results exist only for Succeeded jobs: they are written in the same statement that marks success.
-- $1 job id
SELECT job.status, r.event_type, r.count, r.first_timestamp, r.last_timestamp
FROM ingestion_jobs AS job
LEFT JOIN ingestion_results AS r ON r.job_id = job.id
WHERE job.id = $1
ORDER BY r.event_type_key COLLATE "C", r.event_type COLLATE "C"
