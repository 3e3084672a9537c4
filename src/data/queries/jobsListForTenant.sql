-- A tenant's own jobs for its read key, newest first, one page after a keyset cursor (never OFFSET, so
-- page 1000 costs what page 1 costs); run inside tenantScopeEnter, so row-level security confines it
-- too. Each wanted status is read as its own backward range of the (tenant_id, status, created_at, id)
-- index of its partition, and the ranges are merged: a page reads about $7 index entries per status
-- however many jobs the tenant and the others have. Every bound is given (the caller passes -infinity,
-- infinity and the largest uuid for those left out): an `$n IS NULL OR …` test, or a COALESCE, would
-- keep the bounds out of the index conditions in the one plan a prepared statement keeps, and under
-- row-level security only leakproof conditions may be index conditions at all.
-- $1 tenant, $2 statuses, $3 created from (inclusive), $4 created before,
-- $5 $6 the (created_at, id) to continue after: the cursor's, or (infinity, the largest uuid), $7 page size.
SELECT page.*
FROM unnest($2::text[]) AS wanted (status)
CROSS JOIN LATERAL (
  SELECT j.id, j.tenant_id, j.status, j.attempt, j.max_attempts, j.event_count, j.error,
         j.created_at, j.created_at::text AS created_key, j.updated_at, j.processed_at, j.available_at
  FROM ingestion_jobs AS j
  WHERE j.tenant_id = $1
    AND j.status = wanted.status
    AND j.created_at >= $3::timestamptz
    AND j.created_at < $4::timestamptz
    AND (j.created_at, j.id) < ($5::timestamptz, $6::uuid)
  ORDER BY j.created_at DESC, j.id DESC
  LIMIT $7
) AS page
ORDER BY page.created_at DESC, page.id DESC
LIMIT $7
