-- backward-compatible
-- Completion webhooks and trace context. Additive only: two new tables, a function, and a nullable column
-- without a default (added without rewriting the table). A build that does not know this migration runs
-- on the schema unchanged; it writes no webhook messages while it runs.

-- The W3C traceparent of the request that submitted the job (the API's request span when tracing is on,
-- else the one the client sent): workers continue that trace, and webhook deliveries send it on.
ALTER TABLE ingestion_jobs ADD COLUMN traceparent text;

-- Where a tenant wants to hear about its finished jobs. The secret signs every message (Standard
-- Webhooks: HMAC-SHA256 with the base64-decoded part after whsec_), so it is kept as it is, not as a
-- digest; the admin API shows it only when it is made. After a rotation the previous secret signs too,
-- until previous_secret_until.
CREATE TABLE webhook_endpoints (
  id                    uuid        PRIMARY KEY,
  tenant_id             text        NOT NULL,
  url                   text        NOT NULL,
  events                text[]      NOT NULL
                                    CHECK (cardinality(events) > 0
                                           AND events <@ ARRAY['ingestion.succeeded', 'ingestion.failed']),
  secret                text        NOT NULL,
  previous_secret       text,
  previous_secret_until timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  rotated_at            timestamptz,
  -- Set when the endpoint answered 410 Gone: nothing more is written for it or sent to it.
  disabled_at           timestamptz,
  disabled_reason       text
);
-- What the statements that finish jobs probe, once per finished job: a tenant without an endpoint costs
-- one descent of this (usually tiny) index.
CREATE INDEX webhook_endpoints_tenant_idx ON webhook_endpoints (tenant_id) WHERE disabled_at IS NULL;

-- The outbox: one row per message and endpoint, written by the statement that finishes the job, so a job
-- that finished has its messages whatever happens to the worker next. Workers deliver them after commit;
-- the id is the message's webhook-id, the same on every attempt. payload is json, not jsonb: its text is
-- kept exactly as written, so every attempt sends the same bytes.
CREATE TABLE webhook_deliveries (
  id              uuid        PRIMARY KEY,
  endpoint_id     uuid        NOT NULL,
  tenant_id       text        NOT NULL,
  job_id          uuid        NOT NULL,
  event_type      text        NOT NULL,
  payload         json        NOT NULL,
  traceparent     text,
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  -- Attempts started; a claim counts one, as a job's claim does.
  attempt         integer     NOT NULL DEFAULT 0,
  -- When the next attempt is due.
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- The worker that claimed it, and until when the claim holds: a worker that dies while sending leaves
  -- the message due again then, with nothing to sweep. Neither is indexed, so a claim changes no index
  -- entry (a HOT update, with the room fillfactor leaves).
  locked_by       text,
  locked_until    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  last_error      text,
  -- One entry per attempt: {attempt, startedAt, durationMs, statusCode, error, worker}.
  attempts        jsonb       NOT NULL DEFAULT '[]'
)
-- Each message is written once, claimed, and finished: room on each page for the claim's new version,
-- and a vacuum after 1 % of the rows plus 1,000 have died (the finished versions leave the index below).
WITH (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
-- The claim walks the endpoints with messages waiting and takes each one's due messages, oldest first;
-- created_at rides along for the backlog's age in the metrics, read from the index alone.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at)
  INCLUDE (created_at) WHERE status = 'pending';
-- A job's deliveries (the admin API) and retention, which deletes them with their job.
CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id);

-- Times in messages: RFC 3339 in UTC with microseconds, whatever the session's TimeZone.
CREATE FUNCTION webhook_time(t timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- A message's body, in the Standard Webhooks shape {type, timestamp, data}. One definition for the five
-- statements that finish jobs (success in SQL or by a processor, failure, a dead worker's last attempt,
-- an operator's cancel), so they cannot drift apart. Changing the body takes a migration, as changing
-- any other part of the API does.
CREATE FUNCTION webhook_message(
  event_type text, job_id uuid, tenant_id text, status text, attempt integer, max_attempts integer,
  event_count integer, created_at timestamptz, processed_at timestamptz, results json, output jsonb,
  error text
) RETURNS json
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT json_build_object(
    'type', event_type,
    'timestamp', webhook_time(processed_at),
    'data', json_build_object(
      'jobId', job_id, 'tenantId', tenant_id, 'status', status, 'attempt', attempt,
      'maxAttempts', max_attempts, 'eventCount', event_count, 'createdAt', webhook_time(created_at),
      'processedAt', webhook_time(processed_at), 'results', coalesce(results, '[]'::json),
      'output', output, 'error', error)) $$;
