-- Event storage for the long run (issue 13): raw_events is partitioned by day of acceptance, so that
-- retention drops a whole day at once (no DELETE, no vacuum), and it loses the two things that made a
-- stored event cost two to three times a COPY'd row: the foreign key to ingestion_jobs (a lookup of the
-- job per event) and the unique primary key. The statement that stores a job stores its events, so an
-- event without its job cannot arise; (job_id, seq) is unique because the service numbers a job's
-- events itself. One plain index on (job_id, seq) remains, what every read of a job's events uses.
--
-- accepted_at is the job's created_at, copied by the statement that stores both (never a default, so
-- the two cannot drift apart): reads of a job's events name it (e.accepted_at = j.created_at), which
-- lets PostgreSQL read the one partition that holds them.
--
-- Daily partitions (UTC) are named raw_events_pYYYYMMDD. The events stored before this migration move to
-- one partition, raw_events_before_YYYYMMDD, holding everything accepted before the day of the upgrade:
-- retention drops it whole once that day is older than RAW_EVENT_RETENTION_DAYS, so an upgrade keeps
-- the old events that long instead of applying the retention to history at once. Worker processes keep
-- partitions created a week ahead (src/maintenance/); this migration creates the first week's.
--
-- There is no DEFAULT partition on purpose: with one, partitions could not be detached CONCURRENTLY,
-- and dropping a day would hold up every insert. An event for a day without a partition is refused
-- (the API answers 503, nothing stored) rather than kept somewhere retention cannot reach.
--
-- Locks: raw_events is rewritten. Its rows are copied in this migration's transaction, which holds an
-- exclusive lock on it meanwhile: no job can be stored or completed until the copy and the index
-- build are done (docs/upgrading.md gives the time per million events).

ALTER TABLE raw_events RENAME TO raw_events_unpartitioned;

CREATE TABLE raw_events (
  job_id      uuid        NOT NULL,
  -- Position in the request, from 1: "first event in submission order" is the lowest seq.
  seq         integer     NOT NULL,
  type        text        NOT NULL,
  -- The grouping key (the type ignoring case), computed by the service.
  type_key    text        NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload     jsonb       NOT NULL,
  -- The job's created_at: when the service accepted the event. The partition key.
  accepted_at timestamptz NOT NULL
) PARTITION BY RANGE (accepted_at);

DO $$
DECLARE
  upgrade_day date := (now() AT TIME ZONE 'UTC')::date;
  day date;
BEGIN
  EXECUTE format(
    'CREATE TABLE %I PARTITION OF raw_events FOR VALUES FROM (MINVALUE) TO (%L)',
    'raw_events_before_' || to_char(upgrade_day, 'YYYYMMDD'),
    upgrade_day::text || ' 00:00:00+00');
  FOR offset_days IN 0..7 LOOP
    day := upgrade_day + offset_days;
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF raw_events FOR VALUES FROM (%L) TO (%L)',
      'raw_events_p' || to_char(day, 'YYYYMMDD'),
      day::text || ' 00:00:00+00',
      (day + 1)::text || ' 00:00:00+00');
  END LOOP;
END
$$;

INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
SELECT e.job_id, e.seq, e.type, e.type_key, e.occurred_at, e.payload, j.created_at
FROM raw_events_unpartitioned AS e
JOIN ingestion_jobs AS j ON j.id = e.job_id;

DROP TABLE raw_events_unpartitioned;

-- Built after the copy: one sort per partition instead of one index insertion per row.
CREATE INDEX raw_events_job_idx ON raw_events (job_id, seq);

-- Row-level security as migration 005 set it on the old table: defined on the parent, it applies to
-- every partition read through it (the tenant reader role has no privilege on the partitions).
ALTER TABLE raw_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON raw_events USING (true) WITH CHECK (true);
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ingest_tenant_reader') THEN
    GRANT SELECT ON raw_events TO ingest_tenant_reader;
    CREATE POLICY tenant_reader ON raw_events AS RESTRICTIVE FOR SELECT TO ingest_tenant_reader
      USING (EXISTS (SELECT 1 FROM ingestion_jobs AS job WHERE job.id = raw_events.job_id
                     AND job.tenant_id = current_setting('ingest.tenant_id', true)));
  END IF;
END
$$;
