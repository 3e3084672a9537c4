-- Events not yet processed, per tenant, for the pending-events cap (TENANT_MAX_PENDING_EVENTS). Read by
-- each API process every few seconds, off the request path; reads only the partial indexes' rows (the
-- backlog), however many finished jobs the table holds.
SELECT tenant_id, sum(event_count)::float8 AS events
FROM ingestion_jobs
WHERE status IN ('Pending', 'Processing')
GROUP BY tenant_id
