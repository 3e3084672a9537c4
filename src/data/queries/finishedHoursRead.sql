-- The overview's history: the last $1 hours (the current one included), oldest first, each with the
-- jobs that finished in it by outcome and the time from acceptance to finish (p50, p95). The hours the
-- maintenance pass rolled up are read from finished_jobs_hourly; the ones after the newest rolled-up hour
-- (the current hour, and any the pass has not reached yet) from the finished jobs themselves, through the
-- index on processed_at: at most an hour or two of jobs when the pass runs.
WITH hours AS (
  SELECT generate_series(date_trunc('hour', now(), 'UTC') - make_interval(hours => $1 - 1),
                         date_trunc('hour', now(), 'UTC'), interval '1 hour') AS hour
),
rolled_until AS (
  SELECT greatest(coalesce(max(r.hour) + interval '1 hour', '-infinity'),
                  date_trunc('hour', now(), 'UTC') - make_interval(hours => $1 - 1)) AS since
  FROM finished_jobs_hourly AS r
),
live AS (
  SELECT date_trunc('hour', j.processed_at, 'UTC') AS hour,
         count(*) FILTER (WHERE j.status = 'Succeeded')::integer AS succeeded,
         count(*) FILTER (WHERE j.status = 'Failed' AND j.cancelled_at IS NULL)::integer AS failed,
         count(*) FILTER (WHERE j.cancelled_at IS NOT NULL)::integer AS cancelled,
         percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM j.processed_at - j.created_at))
           FILTER (WHERE j.cancelled_at IS NULL) AS seconds
  FROM ingestion_jobs AS j
  WHERE j.processed_at >= (SELECT since FROM rolled_until) AND j.status IN ('Succeeded', 'Failed')
  GROUP BY 1
)
SELECT h.hour,
       coalesce(l.succeeded, r.succeeded, 0) AS succeeded,
       coalesce(l.failed, r.failed, 0) AS failed,
       coalesce(l.cancelled, r.cancelled, 0) AS cancelled,
       CASE WHEN l.hour IS NOT NULL THEN l.seconds[1] ELSE r.p50_seconds END AS p50_seconds,
       CASE WHEN l.hour IS NOT NULL THEN l.seconds[2] ELSE r.p95_seconds END AS p95_seconds
FROM hours AS h
LEFT JOIN finished_jobs_hourly AS r ON r.hour = h.hour AND h.hour < (SELECT since FROM rolled_until)
LEFT JOIN live AS l ON l.hour = h.hour
ORDER BY h.hour
