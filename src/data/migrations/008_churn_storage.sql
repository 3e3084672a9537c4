-- backward-compatible
-- Storage settings for a jobs table that churns (issue 13 part 4). Settings only: no rewrite, no scan;
-- docs/performance.md ("A jobs table that churns") has the measurements behind each number.
--
-- fillfactor 90: an INSERT then only goes into a page with more than 10 % of it free. Without it, every
-- page of finished jobs keeps a hole of a few hundred bytes (what 24 finished rows leave of 8 KB, or what
-- VACUUM frees), a new Pending row (about 110 bytes) fits in it, and the free space map hands those holes
-- out: with 10,000,000 finished jobs, 2,000 new jobs landed on 1,909 pages spread over the whole 3.2 GB
-- table, and each claim read a cold page and wrote it whole into the WAL (2 buffer reads and 2 full-page
-- images per job). With 90 they land on 32 pages at the end of the table. Rows already stored stay where
-- they are. (Updates cannot be HOT whatever the fillfactor: every status change changes indexed columns.)
--
-- Vacuum after 1 % of the rows plus 10,000 have died instead of 20 % plus 50: a claimed or completed job
-- leaves its old versions in the partial indexes of Pending and Processing jobs and in the status index,
-- and the claim and the completion walk over them until VACUUM removes them. With 10,000,000 jobs the
-- default waits for 2,000,000 dead versions (1,000,000 jobs); at that point the claim read 2,748 buffers
-- per 50 jobs instead of 1,099 and the completion 13,490 instead of 1,119. Now a vacuum comes every 50,000
-- or so jobs at that size (at most once a minute, autovacuum's naptime), and every 5,000 on a small table.
ALTER TABLE ingestion_jobs SET (
  fillfactor = 90,
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 10000
);
