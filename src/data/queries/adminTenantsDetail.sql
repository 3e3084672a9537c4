-- What the tenant list shows of each tenant of a page ($1): its Pending and Processing jobs, the oldest
-- Pending job's acceptance, its Failed jobs among those created in the last 24 hours (what the job list
-- shows with status=Failed and from 24 hours ago), its jobs that finished in the last hour, and whether
-- it is paused. Counts stop at $2 (more read as $2). Each figure is a short range of a tenant index
-- (tenant_id, status, created_at, id) of its partition; the last hour's finished jobs are one range of
-- the index on processed_at, for the whole page at once.
-- $1 tenant ids, $2 count cap
WITH finished AS (
  SELECT j.tenant_id, count(*)::integer AS jobs
  FROM ingestion_jobs AS j
  WHERE j.processed_at >= now() - interval '1 hour' AND j.status IN ('Succeeded', 'Failed')
    AND j.tenant_id = ANY ($1::text[])
  GROUP BY j.tenant_id
)
SELECT t.tenant_id,
       (SELECT count(*) FROM (SELECT FROM ingestion_jobs AS j
                              WHERE j.tenant_id = t.tenant_id AND j.status = 'Pending' LIMIT $2) AS c)::integer
         AS pending,
       (SELECT count(*) FROM (SELECT FROM ingestion_jobs AS j
                              WHERE j.tenant_id = t.tenant_id AND j.status = 'Processing' LIMIT $2) AS c)::integer
         AS processing,
       (SELECT min(j.created_at) FROM ingestion_jobs AS j
        WHERE j.tenant_id = t.tenant_id AND j.status = 'Pending') AS oldest_pending_at,
       (SELECT count(*) FROM (SELECT FROM ingestion_jobs AS j
                              WHERE j.tenant_id = t.tenant_id AND j.status = 'Failed'
                                AND j.created_at >= now() - interval '24 hours' LIMIT $2) AS c)::integer
         AS failed_last_24h,
       coalesce(f.jobs, 0) AS finished_last_hour,
       p.paused_at,
       now() AS now
FROM unnest($1::text[]) WITH ORDINALITY AS t (tenant_id, position)
LEFT JOIN finished AS f ON f.tenant_id = t.tenant_id
LEFT JOIN tenant_pauses AS p ON p.tenant_id = t.tenant_id
ORDER BY t.position
