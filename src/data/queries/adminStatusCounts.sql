-- Jobs per status for the overview. Counting a million finished jobs reads a million index entries
-- (~300 ms; 130,000 entries still took 180 ms on a busy machine), on every view: each status is counted
-- exactly up to $1 (one short index-only range), and a
-- status with more is reported from the planner's statistics (reltuples × the status's frequency, as
-- ANALYZE last saw them), flagged as an estimate. Operators need "about 2.3 million Succeeded", not the
-- last digit; they need the exact count of a small backlog or of Failed jobs, and get it.
-- $1 the exact-count cap
WITH frequencies AS (
  SELECT m.status, m.frequency
  FROM pg_stats AS s,
       unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS m (status, frequency)
  WHERE s.schemaname = current_schema() AND s.tablename = 'ingestion_jobs' AND s.attname = 'status'
)
SELECT wanted.status,
       CASE WHEN capped.count <= $1 THEN capped.count
            ELSE greatest(capped.count,
                          (SELECT (c.reltuples * f.frequency)::bigint
                           FROM pg_class AS c, frequencies AS f
                           WHERE c.oid = 'ingestion_jobs'::regclass AND f.status = wanted.status))
       END AS count,
       capped.count > $1 AS estimated
FROM unnest(ARRAY['Pending', 'Processing', 'Succeeded', 'Failed']) AS wanted (status)
CROSS JOIN LATERAL (
  SELECT count(*) AS count
  FROM (SELECT 1 FROM ingestion_jobs AS j WHERE j.status = wanted.status LIMIT $1::bigint + 1) AS limited
) AS capped
