-- The tenant list, second part: the tenants with no Pending job (their backlog is 0, so they follow every
-- tenant of adminTenantsBacklog.sql), in tenant_id order after $1: every tenant with a job stored, finished
-- or not, and every paused tenant. A skip scan over both partitions' tenant indexes and the pauses, one
-- descent per tenant, read lazily up to the $2 the page needs; a tenant with a backlog is passed over
-- (one probe each), so a page costs its rows, not the number of tenants.
-- $1 after this tenant ('' at first), $2 rows
WITH RECURSIVE walk (tenant_id) AS (
  SELECT least((SELECT min(j.tenant_id) FROM ingestion_jobs AS j WHERE j.tenant_id > $1),
               (SELECT min(p.tenant_id) FROM tenant_pauses AS p WHERE p.tenant_id > $1))
  UNION ALL
  SELECT least((SELECT min(j.tenant_id) FROM ingestion_jobs AS j WHERE j.tenant_id > w.tenant_id),
               (SELECT min(p.tenant_id) FROM tenant_pauses AS p WHERE p.tenant_id > w.tenant_id))
  FROM walk AS w
  WHERE w.tenant_id IS NOT NULL
)
SELECT w.tenant_id
FROM walk AS w
WHERE w.tenant_id IS NOT NULL
  -- A scalar probe, not NOT EXISTS: an anti-join could be planned as a hash of every Pending row.
  AND (SELECT 1 FROM ingestion_jobs AS j
       WHERE j.tenant_id = w.tenant_id AND j.status NOT IN ('Processing', 'Succeeded', 'Failed')
       LIMIT 1) IS NULL
LIMIT $2
