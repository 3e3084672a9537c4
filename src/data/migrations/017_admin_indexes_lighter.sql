-- backward-compatible
-- The admin API's indexes (migration 003, one copy per partition since 011) cost a drain 20 % of its
-- speed and ingest 8 % (docs/performance.md): every version of every job went into five of them. What
-- stays is one B-tree and one BRIN, both on finished jobs only; nothing of the admin's is written when a
-- job is stored or claimed any more. Older builds run unchanged on this schema (their statements are
-- the same; only the plans differ), hence the marker above.
--
-- * Unfinished jobs: no admin index. The partition holds the queue (Pending and Processing), which is
--   small in a healthy system; the admin list, the oldest Pending job and the retention's oldest
--   unfinished job read it whole, and the counts read the queue's own partial indexes.
-- * Finished jobs: the list per status reads (status, created_at, tenant_id, id), newest first per status
--   (a tenant's rows can be picked out of it by its tenant_id column without visiting the table); the
--   counts and the retry of Failed jobs read its status prefix. The index of a tenant's jobs, (tenant_id,
--   status, created_at, id), stays: a tenant's own list (GET /v1/ingestions) and the admin list of one
--   tenant must not read past other tenants' history, whatever its size.
-- * processed_at (the last hour's chart, retention): a BRIN index. Finished rows arrive in the order they
--   finish and are never updated in place (migration 011), so the table is ordered by processed_at and a
--   block range summary finds the last hour's blocks; an insert into a range not yet summarized writes
--   nothing. autosummarize has autovacuum summarize each range once it fills.
--
-- Time and locks: writes to both partitions wait while the new indexes are built (reads go on):
-- docs/upgrading.md gives the time. The lock is taken first, on the parent and so on both partitions,
-- in the order the service's statements take theirs: taken piecemeal (a SHARE lock on the finished
-- partition for the build, then the unfinished one's for its drops), a completion holding the
-- unfinished partition while waiting for the finished one would deadlock with the migration.
LOCK TABLE ingestion_jobs IN SHARE MODE;

CREATE INDEX ingestion_jobs_finished_status_created_tenant_idx
  ON ingestion_jobs_finished (status, created_at, tenant_id, id);
CREATE INDEX ingestion_jobs_finished_processed_brin
  ON ingestion_jobs_finished USING brin (processed_at) WITH (autosummarize = on);

DROP INDEX ingestion_jobs_finished_status_created_idx;
DROP INDEX ingestion_jobs_finished_processed_idx;
DROP INDEX ingestion_jobs_unfinished_status_created_idx;
DROP INDEX ingestion_jobs_unfinished_tenant_status_created_idx;
