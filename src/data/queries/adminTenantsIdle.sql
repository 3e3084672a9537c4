-- The tenant list, second part: the tenants not in the ranking by backlog the first part was served from
-- ($3, adminTenantsBacklog.sql, read a few seconds ago at most), in tenant_id order after $1: every tenant
-- with a job stored, finished or not, and every paused tenant. Excluding exactly the ranked tenants, rather
-- than those with a Pending job now, keeps the two parts whole: a tenant whose backlog began after the
-- ranking was read is listed here until the next ranking, not left out of both. A skip scan over both
-- partitions' tenant indexes and the pauses, one descent per tenant, read lazily up to the $2 the page
-- needs, so a page costs its rows, not the number of tenants.
-- $1 after this tenant ('' at first), $2 rows, $3 the ranked tenants
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
  AND NOT (w.tenant_id = ANY ($3::text[]))
LIMIT $2
