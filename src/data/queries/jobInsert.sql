-- Stores a job and all its events as one statement, so they commit together or not at all, in one
-- round trip. With an idempotency key that is already taken nothing is stored and no row comes back;
-- a concurrent insert of the same key is waited for, so exactly one of two racing requests wins.
-- $1 id, $2 tenant_id, $3 max_attempts, $4 event_count, $5 idempotency_key, $6 request_fingerprint,
-- $7 events: a JSON array of {"t": type, "k": type key, "ts": timestamp, "p": payload}
WITH job AS (
  INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, idempotency_key, request_fingerprint)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING id
),
stored_events AS (
  INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload)
  SELECT job.id, e.seq, e.value ->> 't', e.value ->> 'k', (e.value ->> 'ts')::timestamptz, e.value -> 'p'
  FROM job, jsonb_array_elements($7::jsonb) WITH ORDINALITY AS e (value, seq)
)
-- Delivered at commit: an idle worker wakes up at once instead of at its next poll.
SELECT job.id, pg_notify('ingestion_jobs_created', '') FROM job
