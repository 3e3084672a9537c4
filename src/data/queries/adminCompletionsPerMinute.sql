-- Jobs that finished in each minute of the last hour (60 rows, oldest first, empty minutes as zeros),
-- read from the partial index over finished jobs. Cancelled jobs are counted apart from failures.
WITH minutes AS (
  SELECT generate_series(date_trunc('minute', now()) - interval '59 minutes', date_trunc('minute', now()),
                         interval '1 minute') AS minute
),
finished AS (
  SELECT date_trunc('minute', processed_at) AS minute,
         count(*) FILTER (WHERE status = 'Succeeded') AS succeeded,
         count(*) FILTER (WHERE status = 'Failed' AND cancelled_at IS NULL) AS failed,
         count(*) FILTER (WHERE cancelled_at IS NOT NULL) AS cancelled
  FROM ingestion_jobs
  WHERE processed_at >= date_trunc('minute', now()) - interval '59 minutes'
  GROUP BY 1
)
SELECT m.minute, coalesce(f.succeeded, 0)::integer AS succeeded, coalesce(f.failed, 0)::integer AS failed,
       coalesce(f.cancelled, 0)::integer AS cancelled
FROM minutes AS m
LEFT JOIN finished AS f ON f.minute = m.minute
ORDER BY m.minute
