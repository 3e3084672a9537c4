-- Results that cost less to store (issue 13 part 4): a completion of 50 jobs spent a quarter of its time
-- keeping two things no read needs (docs/performance.md, "A jobs table that churns"):
--
-- * the foreign key to ingestion_jobs. Its check looked up and key-share-locked, for every result row,
--   the job the same statement had just marked Succeeded: the results are written only by the statements
--   that complete a job (jobsSucceed.sql, the template adoption), in the transaction that holds the job,
--   so the reference cannot dangle. Its ON DELETE CASCADE is now done by retention itself
--   (jobsDeleteExpired.sql deletes a job's results with the job, in one statement). Like raw_events
--   since migration 007, results of a job deleted by hand stay until deleted by hand.
-- * the primary key on (job_id, event_type). The unique (job_id, event_type_key) already allows one row
--   per type, since the key is a function of the type (eventTypeKey), and it serves every read by job.
--   It becomes the replica identity, as the primary key was, so logical replication still identifies
--   each row.
--
-- Catalog changes only: no scan, no rewrite. Not backward-compatible: a build that does not know this
-- migration would delete finished jobs and rely on the cascade for their results.
ALTER TABLE ingestion_results DROP CONSTRAINT ingestion_results_job_id_fkey;
ALTER TABLE ingestion_results DROP CONSTRAINT ingestion_results_pkey;
ALTER TABLE ingestion_results REPLICA IDENTITY USING INDEX ingestion_results_job_id_event_type_key_key;
