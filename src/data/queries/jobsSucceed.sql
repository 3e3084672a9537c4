-- Completes jobs $2 of worker $1: marks them Succeeded and stores their results in the same statement,
-- so results exist exactly when the job has Succeeded. Fenced: a job whose lease this worker no longer
-- holds is left alone and gets no results from it. Events are grouped by their case-insensitive key;
-- each group takes the casing of its first event in submission order.
-- A job that reads fewer events than it was accepted with (event_count) is not completed: its events
-- were dropped by retention, or are in a partition being detached, under an operator's retry. It comes
-- back with the number it read, for the worker to fail it saying so (never Succeeded on part of its
-- events); completed jobs come back with nulls there.
-- $2 is the ids, or null with $3 the nonce of the jobsClaimByIds just run on this connection: its claimed
-- ids are then read from the session setting it left (nothing when the nonce differs).
WITH claimed_by_ids AS (
  SELECT CASE WHEN split_part(current_setting('ingest.claimed_by_ids', true), ' ', 1) = $3::text
              THEN string_to_array(split_part(current_setting('ingest.claimed_by_ids', true), ' ', 2), ',')::uuid[]
         END AS ids
),
held AS (
  SELECT id, created_at, event_count
  FROM ingestion_jobs
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = ANY (coalesce($2::uuid[], (SELECT ids FROM claimed_by_ids))) AND locked_by = $1
    AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
),
-- Each group with whether its job read all its events: the window adds up the job's groups in the
-- same pass, and the jobs are then handed on as arrays (ANY (ARRAY(…))), which the planner turns
-- into one probe of the primary key for all of them. Joined as tables, these small CTEs, estimated at
-- one row each, became nested loops over each other: 30 % more CPU than the statement without the
-- check, against 15 % this way (measured per completion of 50 one-event jobs).
summary AS (
  SELECT e.job_id,
         e.type_key,
         (array_agg(e.type ORDER BY e.seq))[1] AS event_type,
         count(*)::integer AS count,
         min(e.occurred_at) AS first_timestamp,
         max(e.occurred_at) AS last_timestamp,
         sum(count(*)) OVER (PARTITION BY e.job_id) >= held.event_count AS job_complete
  FROM held
  -- accepted_at names the job's partition: one index probe per job, not one per partition.
  JOIN raw_events AS e ON e.job_id = held.id AND e.accepted_at = held.created_at
  GROUP BY e.job_id, e.type_key, held.event_count
),
done AS (
  UPDATE ingestion_jobs AS job
  SET status = 'Succeeded', processed_at = now(), updated_at = now(),
      locked_by = NULL, locked_until = NULL, error = NULL,
      attempts = job.attempts || jsonb_build_object('attempt', job.attempt, 'startedAt', job.attempted_at,
                                                    'endedAt', now(), 'worker', job.locked_by,
                                                    'outcome', 'succeeded', 'error', NULL)
  -- Fenced again: the lease may have been lost since held read the row.
  WHERE job.id = ANY (ARRAY(SELECT job_id FROM summary WHERE job_complete))
    AND job.locked_by = $1 AND job.status || '' = 'Processing' AND job.status IN ('Pending', 'Processing')
  RETURNING job.id, job.created_at, job.tenant_id, job.attempt, job.max_attempts, job.event_count,
            job.processed_at, job.traceparent
),
stored AS (
  INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
  SELECT job_id, event_type, type_key, count, first_timestamp, last_timestamp
  FROM summary
  WHERE job_id = ANY (ARRAY(SELECT id FROM done))
),
-- One notification for the whole batch, delivered at commit: API processes answering `Prefer: wait`
-- requests for these jobs answer at once instead of at the end of the wait. A CTE, so it runs once: as
-- a subquery joined to done, the planner put it on the inner side of a nested loop and ran it once per
-- job (50 string_aggs and 50 pg_notify calls per completion of 50).
finished AS (
  SELECT pg_notify('ingestion_jobs_finished', string_agg(id::text, ',')) FROM done HAVING count(*) > 0
),
-- The outbox (src/webhooks/): a message for each endpoint of the job's tenant that takes
-- ingestion.succeeded, committed with the job, delivered by a worker after. A tenant without an endpoint
-- costs one probe of an index that holds only the enabled endpoints.
webhooks AS (
  INSERT INTO webhook_deliveries (id, endpoint_id, tenant_id, job_id, event_type, payload, traceparent)
  SELECT gen_random_uuid(), endpoint.id, done.tenant_id, done.id, 'ingestion.succeeded',
         webhook_message('ingestion.succeeded', done.id, done.tenant_id, 'Succeeded', done.attempt,
                         done.max_attempts, done.event_count, done.created_at, done.processed_at,
                         (SELECT json_agg(json_build_object('eventType', s.event_type, 'count', s.count,
                                                            'firstTimestamp', webhook_time(s.first_timestamp),
                                                            'lastTimestamp', webhook_time(s.last_timestamp))
                                          ORDER BY s.type_key COLLATE "C", s.event_type COLLATE "C")
                          FROM summary AS s WHERE s.job_id = done.id),
                         NULL, NULL),
         done.traceparent
  FROM done
  JOIN webhook_endpoints AS endpoint
    ON endpoint.tenant_id = done.tenant_id AND endpoint.disabled_at IS NULL
   AND 'ingestion.succeeded' = ANY (endpoint.events)
  RETURNING 1
)
-- webhooks: how many messages this statement wrote, so the worker wakes its delivery loop only then.
SELECT done.id, NULL::integer AS events_read, NULL::integer AS event_count,
       (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM done
CROSS JOIN finished
UNION ALL
-- The jobs left for want of events (rare: the count is only taken for them).
SELECT held.id,
       coalesce((SELECT sum(summary.count) FROM summary WHERE summary.job_id = held.id), 0)::integer,
       held.event_count,
       0
FROM held
WHERE NOT held.id = ANY (ARRAY(SELECT job_id FROM summary WHERE job_complete))
