-- What the admin API and the dashboard need: every attempt's history on the job itself, how a cancelled
-- job is told apart, and the few indexes that keep the job list and the overview fast with millions of
-- jobs. Every index costs ingestion (each status change of a job writes an entry into each of them), so
-- there are three, each serving a query the dashboard runs on every view.

-- One entry per finished attempt (and per operator action): {attempt, startedAt, endedAt, worker,
-- outcome, error}. Kept on the row, as River's and Oban's `errors` arrays are, so a success writes no
-- extra row. Existing rows get an empty history.
ALTER TABLE ingestion_jobs ADD COLUMN attempts jsonb NOT NULL DEFAULT '[]';
-- When the running attempt was claimed: the start of the entry its outcome appends.
ALTER TABLE ingestion_jobs ADD COLUMN attempted_at timestamptz;
-- Set when an operator cancelled the job: it is then Failed (the template's clients know no other
-- final state) with error 'cancelled by an operator'.
ALTER TABLE ingestion_jobs ADD COLUMN cancelled_at timestamptz;

-- The job list, newest first, per status (a list of every status reads one range per status and merges
-- them), with its keyset cursor; also the oldest pending job and the counts by status.
CREATE INDEX ingestion_jobs_status_created_idx ON ingestion_jobs (status, created_at, id);

-- The job list of one tenant, per status, newest first.
CREATE INDEX ingestion_jobs_tenant_status_created_idx ON ingestion_jobs (tenant_id, status, created_at, id);

-- Completions and failures per minute over the last hour. Only finished jobs enter it.
CREATE INDEX ingestion_jobs_processed_idx ON ingestion_jobs (processed_at) WHERE processed_at IS NOT NULL;
