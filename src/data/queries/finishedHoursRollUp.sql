-- The maintenance pass rolls up the hours from $1 up to $2 (whole UTC hours, $2 exclusive, every one of
-- them ended): per hour, the jobs that finished in it by outcome and the time from acceptance to finish
-- (p50, p95; cancelled jobs left out). Every hour gets its row, zeros when nothing finished, so the
-- newest row says how far the rollup has come. Read through the index of finished jobs by processed_at:
-- one range of the hours asked, however many jobs the history holds. Written again when an hour is
-- rolled up twice (two passes at once cannot happen: the pass holds the maintenance lock).
WITH hours AS (
  SELECT generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') AS hour
),
finished AS (
  SELECT date_trunc('hour', j.processed_at, 'UTC') AS hour,
         count(*) FILTER (WHERE j.status = 'Succeeded')::integer AS succeeded,
         count(*) FILTER (WHERE j.status = 'Failed' AND j.cancelled_at IS NULL)::integer AS failed,
         count(*) FILTER (WHERE j.cancelled_at IS NOT NULL)::integer AS cancelled,
         percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM j.processed_at - j.created_at))
           FILTER (WHERE j.cancelled_at IS NULL) AS seconds
  FROM ingestion_jobs AS j
  WHERE j.processed_at >= $1 AND j.processed_at < $2 AND j.status IN ('Succeeded', 'Failed')
  GROUP BY 1
)
INSERT INTO finished_jobs_hourly (hour, succeeded, failed, cancelled, p50_seconds, p95_seconds)
SELECT h.hour, coalesce(f.succeeded, 0), coalesce(f.failed, 0), coalesce(f.cancelled, 0), f.seconds[1],
       f.seconds[2]
FROM hours AS h
LEFT JOIN finished AS f ON f.hour = h.hour
ON CONFLICT (hour) DO UPDATE
SET succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,
    p50_seconds = excluded.p50_seconds, p95_seconds = excluded.p95_seconds
