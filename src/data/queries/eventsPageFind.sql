-- One page of job $1's events in submission order: those after seq $2, at most $3. Keyset paging over
-- the index (job_id, seq): every page is one index range scan, however deep into the job, and no
-- page holds a transaction open, so a processor reading a 100,000-event job holds neither the whole job
-- in memory nor a snapshot while it works.
-- Timestamps come as microseconds since the epoch (text, exact), as in resultsFind.sql.
SELECT seq, type, type_key,
  (extract(epoch FROM occurred_at) * 1000000)::bigint::text AS micros,
  payload
FROM raw_events
WHERE job_id = $1 AND seq > $2
  -- The job's partition (migration 007), known once the plan starts: the other days are not read.
  AND accepted_at = (SELECT created_at FROM ingestion_jobs WHERE id = $1)
ORDER BY seq
LIMIT $3
