-- Copies the template's jobs into ours. The template kept no attempt limit per job: $1 (MAX_ATTEMPTS at
-- adoption) is used, raised where a job already used more, so a job with attempts left can still be
-- claimed. A job the template was processing is handed back as Pending (its workers are stopped before
-- the switch), its attempt still counted. The template kept no fingerprint of the request: its keyed
-- jobs get none, and a replay of their key is answered with the job, as the template answered it.
INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, idempotency_key,
                            request_fingerprint, available_at, locked_by, locked_until, error, created_at,
                            updated_at, processed_at)
SELECT j.id,
       j.tenant_id,
       CASE WHEN j.status = 'Processing' THEN 'Pending' ELSE j.status END,
       j.attempt,
       CASE WHEN j.status IN ('Succeeded', 'Failed') THEN greatest($1, j.attempt)
            ELSE greatest($1, j.attempt + 1) END,
       (SELECT count(*) FROM dotnet_template_raw_events AS e WHERE e.job_id = j.id),
       j.idempotency_key,
       NULL,
       coalesce(j.available_at, j.created_at),
       NULL,
       NULL,
       j.error,
       j.created_at,
       j.updated_at,
       CASE WHEN j.status IN ('Succeeded', 'Failed') THEN coalesce(j.processed_at, j.updated_at) END
FROM dotnet_template_ingestion_jobs AS j
