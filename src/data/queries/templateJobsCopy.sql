-- Copies the template's jobs into ours. The template kept no attempt limit per job: $1 (MAX_ATTEMPTS at
-- adoption) is used, raised where a job already used more, so a job with attempts left can still be
-- claimed. A job the template was processing is handed back as Pending (its workers are stopped before
-- the switch), its attempt still counted. The template kept no fingerprint of the request: its keyed
-- jobs get none, and a replay of their key is answered with the job, as the template answered it.
-- The template kept no event count either: it is the number of the job's events it still holds. For a
-- job with none left (deleted by hand, or never stored), it is what its results were counted from, or
-- 1 when it has none: every job holds at least one event (a CHECK since migration 001), and such a
-- job's page shows none. A job without events that was still to run is Failed here, saying why: run,
-- it would complete with no results (the completion refuses a job short of events, after its attempts),
-- and with its events gone it cannot be retried either.
INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, idempotency_key,
                            request_fingerprint, available_at, locked_by, locked_until, error, created_at,
                            updated_at, processed_at)
SELECT j.id,
       j.tenant_id,
       CASE WHEN j.status IN ('Succeeded', 'Failed') THEN j.status
            WHEN held.events = 0 THEN 'Failed'
            ELSE 'Pending' END,
       j.attempt,
       CASE WHEN j.status IN ('Succeeded', 'Failed') OR held.events = 0 THEN greatest($1, j.attempt)
            ELSE greatest($1, j.attempt + 1) END,
       CASE WHEN held.events > 0 THEN held.events ELSE greatest(1, held.result_events) END,
       j.idempotency_key,
       NULL,
       coalesce(j.available_at, j.created_at),
       NULL,
       NULL,
       CASE WHEN j.status IN ('Succeeded', 'Failed') OR held.events > 0 THEN j.error
            ELSE 'adopted from the .NET template with no events stored: nothing to process' END,
       j.created_at,
       j.updated_at,
       CASE WHEN j.status IN ('Succeeded', 'Failed') THEN coalesce(j.processed_at, j.updated_at)
            WHEN held.events = 0 THEN now() END
FROM dotnet_template_ingestion_jobs AS j
CROSS JOIN LATERAL (
  SELECT (SELECT count(*) FROM dotnet_template_raw_events AS e WHERE e.job_id = j.id)::integer AS events,
         (SELECT coalesce(sum(r.count), 0) FROM dotnet_template_ingestion_results AS r
          WHERE r.job_id = j.id AND r.count >= 1)::integer AS result_events
) AS held
