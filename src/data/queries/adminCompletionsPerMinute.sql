-- Jobs that finished in each minute of the last hour (60 rows, oldest first, empty minutes as zeros),
-- read from the partial index over finished jobs, with the time from acceptance to finish (p50 and p95,
-- seconds; cancelled jobs left out, their time is the operator's). Cancelled jobs are counted apart from
-- failures.
WITH minutes AS (
  SELECT generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()),
                         interval '1 minute') AS minute
),
finished AS (
  SELECT date_trunc('minute', processed_at) AS minute,
         count(*) FILTER (WHERE status = 'Succeeded') AS succeeded,
         count(*) FILTER (WHERE status = 'Failed' AND cancelled_at IS NULL) AS failed,
         count(*) FILTER (WHERE cancelled_at IS NOT NULL) AS cancelled,
         percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at))
           FILTER (WHERE cancelled_at IS NULL) AS seconds
  FROM ingestion_jobs
  WHERE processed_at >= date_trunc('minute', now()) - interval '59 minutes' AND status IN ('Succeeded', 'Failed')
  GROUP BY 1
)
SELECT m.minute, coalesce(f.succeeded, 0)::integer AS succeeded, coalesce(f.failed, 0)::integer AS failed,
       coalesce(f.cancelled, 0)::integer AS cancelled, f.seconds[1] AS p50_seconds, f.seconds[2] AS p95_seconds
FROM minutes AS m
LEFT JOIN finished AS f ON f.minute = m.minute
ORDER BY m.minute
