-- Jobs per status for the overview. Counting a million finished jobs reads a million index entries
-- (~300 ms; 130,000 entries still took 180 ms on a busy machine), on every view: each status is counted
-- exactly up to $1 (one short index-only range), and a
-- status with more is reported from the planner's statistics (reltuples × the status's frequency, as
-- ANALYZE last saw them), flagged as an estimate. Operators need "about 2.3 million Succeeded", not the
-- last digit; they need the exact count of a small backlog or of Failed jobs, and get it.
-- $1 the exact-count cap
-- The statistics are a partition's (migration 011): autovacuum analyzes partitions, never their parent.
WITH frequencies AS (
  SELECT s.tablename, m.status, m.frequency
  FROM pg_stats AS s,
       unnest(s.most_common_vals::text::text[], s.most_common_freqs) AS m (status, frequency)
  WHERE s.schemaname = current_schema() AND s.attname = 'status'
    AND s.tablename IN ('ingestion_jobs_unfinished', 'ingestion_jobs_finished')
)
SELECT wanted.status,
       CASE WHEN capped.count <= $1 THEN capped.count
            ELSE greatest(capped.count,
                          (SELECT (c.reltuples * f.frequency)::bigint
                           FROM pg_class AS c
                           JOIN frequencies AS f ON f.tablename = c.relname
                           WHERE c.oid = wanted.partition::regclass AND f.status = wanted.status))
       END AS count,
       capped.count > $1 AS estimated
FROM (VALUES ('Pending', 'ingestion_jobs_unfinished'), ('Processing', 'ingestion_jobs_unfinished'),
             ('Succeeded', 'ingestion_jobs_finished'), ('Failed', 'ingestion_jobs_finished'))
  AS wanted (status, partition)
CROSS JOIN LATERAL (
  SELECT count(*) AS count
  FROM (SELECT 1 FROM ingestion_jobs AS j WHERE j.status = wanted.status LIMIT $1::bigint + 1) AS limited
) AS capped
