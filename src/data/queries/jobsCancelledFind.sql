-- Which of jobs $2, whose lease worker $1 just found it no longer holds, an operator cancelled while $1
-- ran them (adminJobCancel.sql names the worker in the history entry it appends): the others were lost
-- to the lease sweep. Asked only about jobs a renewal or an outcome statement did not find, which is
-- rare: one primary-key lookup each, in the partition of finished jobs.
SELECT id
FROM ingestion_jobs
WHERE id = ANY ($2::uuid[]) AND status = 'Failed' AND cancelled_at IS NOT NULL
  AND attempts -> -1 ->> 'outcome' = 'cancelled' AND attempts -> -1 ->> 'worker' = $1
