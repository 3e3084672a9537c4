-- The admin job list: jobs matching a filter, newest first, one page after a keyset cursor (never
-- OFFSET, so page 1000 costs what page 1 costs). Each status is read on its own and the lists are
-- merged: no index is needed for "every status" and the page stops after $9 rows of each. Finished
-- statuses read the range of the (status, created_at, tenant_id, id) index, a tenant's rows picked out by
-- its tenant_id column; unfinished ones read the queue's partition (migration 017).
-- Run unprepared, so each call is planned with its own values and a filter left out costs nothing.
-- $1 statuses, $2 tenant or null, $3 created from (inclusive) or null, $4 created before or null,
-- $5 ILIKE pattern on error or null, $6 jsonb that one of the job's events' payload must contain or null,
-- $7 $8 the cursor (created_at, id) of the last row of the previous page, or null, $9 page size.
SELECT page.*
FROM unnest($1::text[]) AS wanted (status)
CROSS JOIN LATERAL (
  SELECT j.id, j.tenant_id, j.status, j.attempt, j.max_attempts, j.event_count, j.error,
         j.created_at, j.created_at::text AS created_key, j.updated_at, j.processed_at, j.available_at,
         j.cancelled_at
  FROM ingestion_jobs AS j
  WHERE j.status = wanted.status
    AND ($2::text IS NULL OR j.tenant_id = $2)
    AND ($3::timestamptz IS NULL OR j.created_at >= $3)
    AND ($4::timestamptz IS NULL OR j.created_at < $4)
    AND ($5::text IS NULL OR j.error ILIKE $5)
    AND ($6::jsonb IS NULL OR EXISTS (
          SELECT 1 FROM raw_events AS e
          WHERE e.job_id = j.id AND e.accepted_at = j.created_at AND e.payload @> $6::jsonb))
    AND ($7::timestamptz IS NULL OR (j.created_at, j.id) < ($7::timestamptz, $8::uuid))
  ORDER BY j.created_at DESC, j.id DESC
  LIMIT $9
) AS page
ORDER BY page.created_at DESC, page.id DESC
LIMIT $9
