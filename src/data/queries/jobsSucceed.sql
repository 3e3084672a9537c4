-- Completes jobs $2 of worker $1: marks them Succeeded and stores their results in the same statement,
-- so results exist exactly when the job has Succeeded. Fenced: a job whose lease this worker no longer
-- holds is left alone and gets no results from it. Events are grouped by their case-insensitive key;
-- each group takes the casing of its first event in submission order.
-- $2 is the ids, or null with $3 the nonce of the jobsClaimByIds just run on this connection: its claimed
-- ids are then read from the session setting it left (nothing when the nonce differs).
WITH claimed_by_ids AS (
  SELECT CASE WHEN split_part(current_setting('ingest.claimed_by_ids', true), ' ', 1) = $3::text
              THEN string_to_array(split_part(current_setting('ingest.claimed_by_ids', true), ' ', 2), ',')::uuid[]
         END AS ids
),
done AS (
  UPDATE ingestion_jobs
  SET status = 'Succeeded', processed_at = now(), updated_at = now(),
      locked_by = NULL, locked_until = NULL, error = NULL,
      attempts = attempts || jsonb_build_object('attempt', attempt, 'startedAt', attempted_at, 'endedAt', now(),
                                                'worker', locked_by, 'outcome', 'succeeded', 'error', NULL)
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = ANY (coalesce($2::uuid[], (SELECT ids FROM claimed_by_ids))) AND locked_by = $1
    AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
  RETURNING id, created_at
),
summary AS (
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
)
SELECT done.id
FROM done
CROSS JOIN finished
