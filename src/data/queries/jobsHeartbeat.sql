-- Renews worker $1's leases on jobs $2 by $3 seconds. Returns the jobs whose lease it still holds: a
-- missing id means the lease was lost (it expired and the job was handed to another worker), or the job
-- is being finished right now.
-- From the moment of the write, like the claim: a renewal held by a lock must not commit a lease that
-- the time it waited has already used up.
-- Like the claim, the renewal does not wait for its WAL flush: a renewal lost in a database crash only
-- shortens a lease, and a job taken back too early cannot be completed twice (completion is fenced).
-- SKIP LOCKED: a job of this worker whose row another transaction holds is being finished at this
-- moment (its completion or failure, or the lease sweep taking it back), and its row is about to move to
-- the partition of finished jobs. Waited for, the renewal would then meet the moved row and fail as a
-- whole with SQLSTATE 40001, every job's lease unrenewed; with a worker's loops completing jobs all the
-- time, a long job's lease ran out that way (src/data/jobQueue.ts handles the rarer move that commits
-- while the statement runs).
WITH no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
),
held AS (
  SELECT id
  FROM ingestion_jobs
  -- status || '': the same test, but one no index can serve, so the jobs are found by their ids
  -- (primary key). As status = 'Processing' the planner, whose statistics rarely see a job
  -- Processing, walked the Processing range of the status index instead, over every entry
  -- VACUUM had not removed yet (13,490 buffers per 50 jobs at 10M jobs against 1,119).
  WHERE id = ANY ($2::uuid[]) AND locked_by = $1 AND status || '' = 'Processing'
    -- status IN (…) names the unfinished partition (migration 011), so the history's primary key is not probed.
    AND status IN ('Pending', 'Processing')
  FOR NO KEY UPDATE SKIP LOCKED
)
UPDATE ingestion_jobs AS job
SET locked_until = clock_timestamp() + make_interval(secs => $3)
FROM no_flush_wait, held
WHERE job.id = held.id AND job.status IN ('Pending', 'Processing')
RETURNING job.id
