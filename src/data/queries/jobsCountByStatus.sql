-- Jobs by status and the oldest due Pending job, for the metrics ingest_jobs{status},
-- ingest_jobs_estimated{status} and ingest_oldest_pending_job_timestamp_seconds. The oldest due job is
-- the oldest a worker may claim: a paused tenant's jobs, and every job while processing is paused, wait
-- on purpose and must not make the backlog alerts fire. The read walks the index of Pending jobs in due
-- order and stops at the first job of a tenant not paused: it reads past a paused tenant's older jobs,
-- one row each (200,000 of them took about 50 ms), and nothing when no tenant is paused. Pending and Processing
-- are counted exactly: each count reads only its partial index, so it costs as much as the backlog is
-- long. Succeeded and Failed grow without bound: each is counted exactly up to $1 rows (a short range of
-- the finished partition's (status, created_at) index), so a small or young installation sees exact
-- figures; beyond that a count would read the whole history at every refresh of every process, and the
-- figure is estimated instead from the statistics PostgreSQL keeps anyway: the live rows of the partition
-- of finished jobs (n_live_tup, current within a second or so) and the share of Failed rows in its last
-- ANALYZE (pg_stats, refreshed by autovacuum, which analyzes partitions and never their parent).
-- $1 the exact-count cap
WITH counted AS (
  SELECT (SELECT count(*) FROM ingestion_jobs WHERE status = 'Pending')::float8 AS pending,
         (SELECT count(*) FROM ingestion_jobs WHERE status = 'Processing')::float8 AS processing,
         (SELECT count(*) FROM (SELECT 1 FROM ingestion_jobs WHERE status = 'Succeeded'
                                LIMIT $1::bigint + 1) AS s)::float8 AS succeeded,
         (SELECT count(*) FROM (SELECT 1 FROM ingestion_jobs WHERE status = 'Failed'
                                LIMIT $1::bigint + 1) AS f)::float8 AS failed,
         (SELECT min(j.available_at) FROM ingestion_jobs AS j
          WHERE j.status = 'Pending' AND j.available_at <= now()
            AND j.tenant_id NOT IN (SELECT p.tenant_id FROM tenant_pauses AS p)
            AND NOT EXISTS (SELECT FROM processing_pauses)) AS oldest_due_at
),
estimated AS (
  SELECT greatest(pg_stat_get_live_tuples('ingestion_jobs_finished'::regclass), 0)::float8 AS finished_rows,
         coalesce((SELECT f.share::float8
                   FROM pg_class AS c
                   JOIN pg_namespace AS n ON n.oid = c.relnamespace
                   JOIN pg_stats AS st ON st.schemaname = n.nspname AND st.tablename = c.relname
                   CROSS JOIN unnest(st.most_common_vals::text::text[], st.most_common_freqs) AS f (status, share)
                   WHERE c.oid = 'ingestion_jobs_finished'::regclass AND st.attname = 'status' AND f.status = 'Failed'),
                  0) AS failed_share
)
SELECT pending,
       processing,
       CASE WHEN succeeded <= $1 THEN succeeded
            ELSE greatest(finished_rows - round(finished_rows * failed_share), succeeded) END AS succeeded,
       succeeded > $1 AS succeeded_estimated,
       CASE WHEN failed <= $1 THEN failed
            ELSE greatest(round(finished_rows * failed_share), failed) END AS failed,
       failed > $1 AS failed_estimated,
       extract(epoch FROM oldest_due_at)::float8 AS oldest_due_at,
       extract(epoch FROM now())::float8 AS counted_at
FROM counted, estimated
