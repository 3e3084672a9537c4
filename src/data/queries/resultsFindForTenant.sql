-- A job's status, its results and its output (see resultsFind); one row with null result columns when
-- there are no results.
-- Results exist only for Succeeded jobs: they are written in the same statement that marks success.
-- Timestamps come as microseconds since the epoch (text, exact): a JavaScript Date keeps milliseconds,
-- and the service writes RFC 3339 itself for years PostgreSQL's text output would show as 10000 or BC.
-- Run inside tenantScopeEnter for a read key; another tenant's job is no row, as an unknown one. $1 job id, $2 tenant
SELECT job.status, job.output, job.output IS NOT NULL AS has_output, r.event_type, r.count,
  (extract(epoch FROM r.first_timestamp) * 1000000)::bigint::text AS first_micros,
  (extract(epoch FROM r.last_timestamp) * 1000000)::bigint::text AS last_micros
FROM ingestion_jobs AS job
LEFT JOIN ingestion_results AS r ON r.job_id = job.id
WHERE job.id = $1 AND job.tenant_id = $2
ORDER BY r.event_type_key COLLATE "C", r.event_type COLLATE "C"
