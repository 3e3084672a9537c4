-- Stores jobs and all their events as one statement, so they commit together or not at all, in one
-- round trip however many requests they came from. A job whose idempotency key is already taken is not
-- stored (nor are its events) and its id does not come back; a concurrent insert of the same key is
-- waited for, so exactly one of two racing requests wins, whether or not they share this statement.
-- One entry per job in $1…$6, in the same order:
-- $1 ids, $2 tenant ids, $3 max attempts, $4 event counts, $5 idempotency keys, $6 request fingerprints,
-- $8 W3C traceparents (null for none),
-- $7 events: a JSON array with, for each job in that order, the array of its events
--    {"t": type, "k": type key, "ts": timestamp, "p": payload}
-- $7 is json, not jsonb, and only each job's own array becomes jsonb: parsed whole into jsonb, the
-- statement's events (hundreds of kilobytes under load) made the backend build one tree of millions of
-- bytes, in small blocks its allocator got from the kernel and gave back each statement, and that cost
-- as much again as storing the events (issue 13, docs/performance.md). json is only checked on input;
-- a job's array, parsed alone, needs a few tens of kilobytes, freed before the next job's. A JSON
-- null becomes SQL NULL in jsonb_to_recordset; a payload of null is stored as JSON null, as before.
-- Each event carries its job's created_at as accepted_at, its partition key (migration 007): reads of a
-- job's events name it, so they read one partition.
--
-- The keys are taken first, in ingestion_idempotency_keys (migration 011): a job with a key is stored
-- only if its key went in. Two jobs of one statement with the same key: the first one's goes in, the
-- second conflicts with it and is not stored, as a second request would not be.
WITH key_taken AS (
  INSERT INTO ingestion_idempotency_keys (tenant_id, idempotency_key, job_id)
  SELECT k.tenant_id, k.idempotency_key, k.id
  FROM unnest($1::uuid[], $2::text[], $5::text[]) AS k (id, tenant_id, idempotency_key)
  WHERE k.idempotency_key IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING job_id
),
job AS (
  INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, idempotency_key, request_fingerprint,
                              traceparent)
  SELECT n.*
  FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::integer[], $5::text[], $6::text[], $8::text[])
    AS n (id, tenant_id, max_attempts, event_count, idempotency_key, request_fingerprint, traceparent)
  WHERE n.idempotency_key IS NULL OR n.id IN (SELECT job_id FROM key_taken)
  RETURNING id, created_at
),
stored_events AS (
  INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
  SELECT job.id, e.seq, e.t, e.k, e.ts, coalesce(e.p, 'null'), job.created_at
  FROM json_array_elements($7::json) WITH ORDINALITY AS batch (events, n)
  JOIN job ON job.id = ($1::uuid[])[batch.n]
  CROSS JOIN LATERAL ROWS FROM (
    jsonb_to_recordset(batch.events::jsonb) AS (t text, k text, ts timestamptz, p jsonb)
  ) WITH ORDINALITY AS e (t, k, ts, p, seq)
),
-- Delivered at commit, once however many jobs: an idle worker wakes up at once instead of at its next
-- poll. A statement of a few jobs names them (comma-separated ids), so an idle worker claims them by id
-- (jobsClaimByIds.sql) without the fair claim's walk of the tenants; a bigger one, which only a busy
-- API sends, when workers are busy too, says '' (look for work). A CTE, so it runs once.
notified AS (
  SELECT pg_notify('ingestion_jobs_created',
                   CASE WHEN count(*) <= 20 THEN string_agg(id::text, ',') ELSE '' END)
  FROM job
  HAVING count(*) > 0
)
SELECT job.id FROM job CROSS JOIN notified
