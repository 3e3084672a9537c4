-- Copies the template's results (type and count) of its Succeeded jobs, one line per grouping key (the
-- template grouped ignoring case too; should two of its lines share our key, they are added up under the
-- first one's type). The template kept no first and last timestamp per type: they are taken from the
-- job's stored events of that type, or, when none are left, from the job's own creation time.
-- $1 event types, $2 their grouping keys.
INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
SELECT grouped.job_id,
       grouped.event_type,
       grouped.type_key,
       grouped.count,
       coalesce(span.first_timestamp, grouped.created_at),
       coalesce(span.last_timestamp, grouped.created_at)
FROM (
  SELECT r.job_id,
         k.type_key,
         (array_agg(r.event_type ORDER BY r.id))[1] AS event_type,
         sum(r.count)::integer AS count,
         min(j.created_at) AS created_at
  FROM dotnet_template_ingestion_results AS r
  JOIN dotnet_template_ingestion_jobs AS j ON j.id = r.job_id AND j.status = 'Succeeded'
  JOIN unnest($1::text[], $2::text[]) AS k (type, type_key) ON k.type = r.event_type
  WHERE r.count >= 1
  GROUP BY r.job_id, k.type_key
) AS grouped
LEFT JOIN LATERAL (
  SELECT min(e.occurred_at) AS first_timestamp, max(e.occurred_at) AS last_timestamp
  FROM raw_events AS e
  WHERE e.job_id = grouped.job_id AND e.accepted_at = grouped.created_at AND e.type_key = grouped.type_key
) AS span ON true
