-- The three tables of the .NET template, in lowercase snake_case throughout.

CREATE TABLE ingestion_jobs (
  id                  uuid        PRIMARY KEY,
  tenant_id           text        NOT NULL,
  status              text        NOT NULL DEFAULT 'Pending'
                                  CHECK (status IN ('Pending', 'Processing', 'Succeeded', 'Failed')),
  attempt             integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  max_attempts        integer     NOT NULL CHECK (max_attempts >= 1),
  event_count         integer     NOT NULL CHECK (event_count >= 1),
  idempotency_key     text,
  -- SHA-256 of the canonical request body, kept only with an idempotency key: a replay with another
  -- body is refused instead of being answered with an unrelated job.
  request_fingerprint text,
  available_at        timestamptz NOT NULL DEFAULT now(),
  locked_by           text,
  locked_until        timestamptz,
  error               text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  processed_at        timestamptz,
  CHECK (attempt <= max_attempts),
  CHECK ((status = 'Processing') = (locked_by IS NOT NULL AND locked_until IS NOT NULL))
);

-- The claim reads only claimable rows: finished jobs never enter this index, so claiming stays as fast
-- with ten million finished jobs as with none.
CREATE INDEX ingestion_jobs_pending_idx ON ingestion_jobs (available_at) WHERE status = 'Pending';

-- The lease sweep reads only running jobs.
CREATE INDEX ingestion_jobs_processing_idx ON ingestion_jobs (locked_until) WHERE status = 'Processing';

CREATE UNIQUE INDEX ingestion_jobs_idempotency_key_idx
  ON ingestion_jobs (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE raw_events (
  job_id      uuid        NOT NULL REFERENCES ingestion_jobs (id) ON DELETE CASCADE,
  -- Position in the request, from 1: "first event in submission order" is the lowest seq.
  seq         integer     NOT NULL,
  type        text        NOT NULL,
  -- The grouping key (the type ignoring case), computed by the service so that grouping does not
  -- depend on the database's collation.
  type_key    text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload     jsonb       NOT NULL,
  PRIMARY KEY (job_id, seq)
);

CREATE TABLE ingestion_results (
  job_id          uuid        NOT NULL REFERENCES ingestion_jobs (id) ON DELETE CASCADE,
  event_type      text        NOT NULL,
  event_type_key  text        NOT NULL,
  count           integer     NOT NULL CHECK (count >= 1),
  first_timestamp timestamptz NOT NULL,
  last_timestamp  timestamptz NOT NULL,
  PRIMARY KEY (job_id, event_type),
  UNIQUE (job_id, event_type_key)
);
