-- Completes jobs $2 of worker $1: marks them Succeeded and stores their results in the same statement,
-- so results exist exactly when the job has Succeeded. Fenced: a job whose lease this worker no longer
-- holds is left alone and gets no results from it. Events are grouped by their case-insensitive key;
-- each group takes the casing of its first event in submission order.
WITH done AS (
  UPDATE ingestion_jobs
  SET status = 'Succeeded', processed_at = now(), updated_at = now(),
      locked_by = NULL, locked_until = NULL, error = NULL,
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', attempted_at, 'endedAt', now(),
                                                'worker', locked_by, 'outcome', 'succeeded', 'error', NULL)
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = ANY ($2::uuid[]) AND locked_by = $1 AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
  RETURNING id, created_at, tenant_id, attempt, max_attempts, event_count, processed_at, traceparent
),
-- NOT MATERIALIZED: the results are read again below for jobs whose tenant has a webhook endpoint, and
-- only for those; stored as a CTE that is read twice, the summary of every job would be written aside.
summary AS NOT MATERIALIZED (
  SELECT e.job_id,
         e.type_key,
         (array_agg(e.type ORDER BY e.seq))[1] AS event_type,
         count(*)::integer AS count,
         min(e.occurred_at) AS first_timestamp,
         max(e.occurred_at) AS last_timestamp
  FROM done
  -- accepted_at names the job's partition: one index probe per job, not one per partition.
  JOIN raw_events AS e ON e.job_id = done.id AND e.accepted_at = done.created_at
  GROUP BY e.job_id, e.type_key
),
stored AS (
  INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
  SELECT job_id, event_type, type_key, count, first_timestamp, last_timestamp FROM summary
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
SELECT done.id, (SELECT count(*) FROM webhooks)::integer AS webhooks
FROM done
CROSS JOIN finished
