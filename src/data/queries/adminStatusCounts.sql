-- Jobs per status for the overview, counted from the (status, created_at, id) index: one short range
-- per status instead of a scan of the table.
SELECT wanted.status, (SELECT count(*) FROM ingestion_jobs AS j WHERE j.status = wanted.status)::bigint AS count
FROM unnest(ARRAY['Pending', 'Processing', 'Succeeded', 'Failed']) AS wanted (status)
