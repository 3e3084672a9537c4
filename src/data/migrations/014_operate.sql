-- What operators reach for in the dashboard: which worker processes are alive, pausing processing for
-- everyone or for one tenant, and the history of finished jobs beyond the last hour.
-- backward-compatible
--
-- Nothing here touches ingestion_jobs, raw_events or ingestion_results: three small tables and a rollup,
-- created empty, so the migration takes no lock on the jobs and runs in milliseconds at any size.

-- One row per worker process, written by the process itself every few seconds (one upsert) while it
-- runs, and marked stopped when it stops gracefully. A process killed outright stops writing: its row's
-- heartbeat_at ages, and the admin API reports it gone once it is older than a few announcements.
-- Rows of processes gone for a day are deleted by the maintenance pass.
CREATE TABLE worker_processes (
  -- The worker's id, as written into locked_by of the jobs it holds: host/pid/random.
  id           text PRIMARY KEY,
  host         text NOT NULL,
  pid          integer NOT NULL,
  version      text NOT NULL,
  started_at   timestamptz NOT NULL,
  concurrency  integer NOT NULL,
  -- Jobs the process held (claimed and not yet finished) when it last announced itself.
  jobs_in_hand integer NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  -- How often the process announces itself: it counts as gone once it has missed a few announcements.
  announce_seconds float8 NOT NULL,
  stopped_at   timestamptz
);

-- Tenants whose jobs no claim takes while a row is here: their jobs are still accepted and stay Pending.
-- The claim reads this table once per claim (it is small: one row per paused tenant).
CREATE TABLE tenant_pauses (
  tenant_id text PRIMARY KEY,
  paused_at timestamptz NOT NULL DEFAULT now()
);

-- Processing paused for every tenant while its one row exists: no claim takes any job.
CREATE TABLE processing_pauses (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  paused_at timestamptz NOT NULL DEFAULT now()
);

-- Jobs finished per hour, by outcome, with the time from acceptance to finish (p50 and p95, seconds;
-- cancelled jobs left out: their time is the operator's): the overview's 24-hour and 7-day history. The
-- maintenance pass writes each hour once it has ended (an hour with no job gets a row of zeros, so the
-- newest row says how far the rollup has come) and deletes hours older than 8 days; the overview reads
-- the hours after the newest row from the finished jobs themselves.
CREATE TABLE finished_jobs_hourly (
  hour        timestamptz PRIMARY KEY,
  succeeded   integer NOT NULL,
  failed      integer NOT NULL,
  cancelled   integer NOT NULL,
  p50_seconds float8,
  p95_seconds float8
);

-- Row-level security confines a tenant's reads of the jobs tables (migration 005); a tenant's reads
-- never touch these, so they get no policy and the tenant reader role no grant.
