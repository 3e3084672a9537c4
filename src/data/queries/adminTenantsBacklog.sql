-- The tenant list, first part: every tenant with Pending jobs, by backlog (Pending jobs, counted up to
-- $1: more read as $1). All of them, for the API to rank (largest first, then by tenant_id) and keep for a
-- few seconds: every page and every dashboard is served from that ranking. The tenants are found by a skip scan of ingestion_jobs_pending_tenant_idx
-- (one index descent per tenant, as the claim walks them) and each one's count reads at most $1 entries
-- of the same index: the cost follows the number of tenants with a backlog and the backlog itself, capped
-- per tenant, never the history (finished jobs are in another partition). Migration 006 says why the
-- status test is spelled NOT IN.
-- $1 count cap
WITH RECURSIVE walk (tenant_id) AS (
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed')
          ORDER BY j.tenant_id LIMIT 1)
  UNION ALL
  SELECT (SELECT j.tenant_id FROM ingestion_jobs AS j
          WHERE j.status NOT IN ('Processing', 'Succeeded', 'Failed') AND j.tenant_id > w.tenant_id
          ORDER BY j.tenant_id LIMIT 1)
  FROM walk AS w
  WHERE w.tenant_id IS NOT NULL
),
backlog AS (
  SELECT w.tenant_id,
         (SELECT count(*) FROM (SELECT FROM ingestion_jobs AS j
                                WHERE j.tenant_id = w.tenant_id
                                  AND j.status NOT IN ('Processing', 'Succeeded', 'Failed')
                                LIMIT $1) AS capped)::integer AS pending
  FROM walk AS w
  WHERE w.tenant_id IS NOT NULL
)
SELECT b.tenant_id, b.pending
FROM backlog AS b
