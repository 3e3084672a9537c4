-- Unfinished jobs kept apart from finished ones (issue 13 part 4): ingestion_jobs becomes a table
-- partitioned by status, with the jobs that are Pending or Processing in ingestion_jobs_unfinished and
-- the ones that are Succeeded or Failed in ingestion_jobs_finished (the table as it was, renamed, its
-- pages and indexes kept). Storing a job, claiming it and every lease operation then write only into
-- the small partition and its small indexes; the history is written once per job, when the job
-- finishes and PostgreSQL moves its row across. Before, each of the three versions of a job (stored,
-- claimed, finished) went into the primary key and the two status indexes of the whole history: ten
-- insertions into indexes of 10,000,000 entries per job, each one level deeper than on a small table,
-- and what kept a drain over a large history 10-20 % slower than over an empty one
-- (docs/performance.md, "A jobs table that churns").
--
-- What the partitioning changes for the SQL:
-- * A unique index of a partitioned table must contain the partition key, so (tenant_id,
--   idempotency_key) can no longer be unique across both partitions. The keys move to a table of their
--   own, ingestion_idempotency_keys, whose primary key does what the unique index did: a job is stored
--   only if its key could be inserted there, in the same statement (jobInsertMany.sql).
-- * Each partition has its own primary key on id. Ids are made by the service (UUIDv7, 74 random bits),
--   and a row moves between partitions as one update, so an id cannot be in both.
-- * A statement that locks or updates a row which a concurrent transaction has since moved to the
--   other partition fails with SQLSTATE 40001 instead of seeing the new version; the data layer runs
--   such statements again (src/data/movedRowRetry.ts).
--
-- Locks and time: ingestion_jobs is renamed and attached (ACCESS EXCLUSIVE on it for the whole
-- migration). Unfinished jobs are copied (by the partial indexes of Pending and Processing jobs), and
-- the finished ones are checked once by a scan of the table, which lets ATTACH PARTITION skip its own:
-- docs/upgrading.md gives the time at 10,000,000 jobs. No finished row is rewritten.

ALTER TABLE ingestion_jobs RENAME TO ingestion_jobs_finished;
ALTER TABLE ingestion_jobs_finished RENAME CONSTRAINT ingestion_jobs_pkey TO ingestion_jobs_finished_pkey;
ALTER INDEX ingestion_jobs_status_created_idx RENAME TO ingestion_jobs_finished_status_created_idx;
ALTER INDEX ingestion_jobs_tenant_status_created_idx RENAME TO ingestion_jobs_finished_tenant_status_created_idx;
ALTER INDEX ingestion_jobs_processed_idx RENAME TO ingestion_jobs_finished_processed_idx;

-- Columns, defaults and CHECK constraints (with their names, which ATTACH PARTITION requires the
-- partition to share) as the table had them.
CREATE TABLE ingestion_jobs (LIKE ingestion_jobs_finished INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY LIST (status);

-- The settings of migration 008 for the same reasons: new rows at the end of the table rather than in
-- the holes of pages, and a vacuum after 1 % of the rows plus 10,000 have died. Every job passes
-- through here, so on a busy system that is a vacuum every few thousand jobs, at most once a minute.
CREATE TABLE ingestion_jobs_unfinished PARTITION OF ingestion_jobs FOR VALUES IN ('Pending', 'Processing')
  WITH (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 10000);

INSERT INTO ingestion_jobs_unfinished
SELECT * FROM ingestion_jobs_finished WHERE status = 'Pending'
UNION ALL
SELECT * FROM ingestion_jobs_finished WHERE status = 'Processing';
DELETE FROM ingestion_jobs_finished WHERE status IN ('Pending', 'Processing');

-- The one scan of the history: a valid constraint that implies the partition bound lets ATTACH skip
-- its own. Kept afterwards; it says the same as the bound.
ALTER TABLE ingestion_jobs_finished
  ADD CONSTRAINT ingestion_jobs_finished_status_check CHECK (status IN ('Succeeded', 'Failed'));
ALTER TABLE ingestion_jobs ATTACH PARTITION ingestion_jobs_finished FOR VALUES IN ('Succeeded', 'Failed');

-- Finished rows arrive only by moving here and are never updated in place again (a retry moves them
-- back), so pages can be filled whole.
ALTER TABLE ingestion_jobs_finished SET (fillfactor = 100);

-- The partial indexes of Pending and Processing jobs can hold no live row in the history any more; the
-- idempotency keys' index gives way to the table below.
DROP INDEX ingestion_jobs_pending_idx;
DROP INDEX ingestion_jobs_pending_tenant_idx;
DROP INDEX ingestion_jobs_processing_idx;
DROP INDEX ingestion_jobs_idempotency_key_idx;

-- The queue's indexes, as 001, 003 and 006 defined them on the whole table, now over unfinished jobs
-- alone. processed_at is set only on finished jobs, so its index stays with the history.
ALTER TABLE ingestion_jobs_unfinished ADD CONSTRAINT ingestion_jobs_unfinished_pkey PRIMARY KEY (id);
CREATE INDEX ingestion_jobs_pending_idx ON ingestion_jobs_unfinished (available_at) WHERE status = 'Pending';
-- Migration 006 says why this predicate is spelled NOT IN.
CREATE INDEX ingestion_jobs_pending_tenant_idx ON ingestion_jobs_unfinished (tenant_id, available_at)
  WHERE status NOT IN ('Processing', 'Succeeded', 'Failed');
CREATE INDEX ingestion_jobs_processing_idx ON ingestion_jobs_unfinished (locked_until) WHERE status = 'Processing';
CREATE INDEX ingestion_jobs_unfinished_status_created_idx ON ingestion_jobs_unfinished (status, created_at, id);
CREATE INDEX ingestion_jobs_unfinished_tenant_status_created_idx
  ON ingestion_jobs_unfinished (tenant_id, status, created_at, id);

-- Logical replication identifies a partition's rows by its own replica identity.
ALTER TABLE ingestion_jobs_unfinished REPLICA IDENTITY USING INDEX ingestion_jobs_unfinished_pkey;

-- One row per idempotency key ever used and not yet expired with its job: what makes a key unique per
-- tenant across both partitions. Written by the statement that stores the job, deleted by the one
-- that deletes it (jobsDeleteExpired.sql).
CREATE TABLE ingestion_idempotency_keys (
  tenant_id       text NOT NULL,
  idempotency_key text NOT NULL,
  job_id          uuid NOT NULL,
  PRIMARY KEY (tenant_id, idempotency_key)
);
INSERT INTO ingestion_idempotency_keys (tenant_id, idempotency_key, job_id)
SELECT tenant_id, idempotency_key, id FROM ingestion_jobs WHERE idempotency_key IS NOT NULL;

-- Row-level security as migration 005 set it, now on the parent: policies on it apply to every
-- partition read through it. The old policies stay on the finished partition, where they still say
-- the same. The policies of raw_events and ingestion_results named the old table, which is now the
-- finished partition alone: they are made again against the parent, or a tenant could not read the
-- events of its own Pending job.
ALTER TABLE ingestion_jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON ingestion_jobs USING (true) WITH CHECK (true);
ALTER TABLE ingestion_idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON ingestion_idempotency_keys USING (true) WITH CHECK (true);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingest_tenant_reader') THEN
    GRANT SELECT ON ingestion_jobs TO ingest_tenant_reader;
    -- Reads go through the parent; the old table's grant is not needed on what is now a partition.
    REVOKE SELECT ON ingestion_jobs_finished FROM ingest_tenant_reader;
    CREATE POLICY tenant_reader ON ingestion_jobs AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
      USING (tenant_id = current_setting('ingest.tenant_id', true));
    DROP POLICY IF EXISTS tenant_reader ON raw_events;
    CREATE POLICY tenant_reader ON raw_events AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
      USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = raw_events.job_id
                     AND job.tenant_id = current_setting('ingest.tenant_id', true)));
    DROP POLICY IF EXISTS tenant_reader ON ingestion_results;
    CREATE POLICY tenant_reader ON ingestion_results AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
      USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = ingestion_results.job_id
                     AND job.tenant_id = current_setting('ingest.tenant_id', true)));
  END IF;
END
$$;
