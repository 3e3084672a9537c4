-- Copies the template's events into ours, numbering each job's events in the order the template stored
-- them (its identity column), which is their submission order, each accepted when its job was created
-- (the partition key). $1 event types, $2 their grouping keys.
INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
SELECT e.job_id,
       row_number() OVER (PARTITION BY e.job_id ORDER BY e.id),
       e.type,
       k.type_key,
       e."timestamp",
       e.payload_json,
       j.created_at
FROM dotnet_template_raw_events AS e
JOIN dotnet_template_ingestion_jobs AS j ON j.id = e.job_id
JOIN unnest($1::text[], $2::text[]) AS k (type, type_key) ON k.type = e.type
