-- One job for the admin job page, in one round trip: its row with every attempt, its events summarised
-- (count per type, in the order each type first appeared), its first $2 events with their payloads, and
-- its results, and whether its tenant or all processing is paused (then no claim takes it while it is
-- Pending). The events are read through the (job_id, seq) index of the job's partition.
-- $1 job id, $2 how many events to show
SELECT j.id, j.tenant_id, j.status, j.attempt, j.max_attempts, j.event_count, j.error, j.created_at,
       j.updated_at, j.processed_at, j.available_at, j.cancelled_at, j.locked_by, j.locked_until,
       j.attempted_at, j.idempotency_key, j.attempts,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('type', s.type, 'count', s.count) ORDER BY s.first_seq), '[]')
        FROM (SELECT (array_agg(e.type ORDER BY e.seq))[1] AS type, count(*) AS count, min(e.seq) AS first_seq
              FROM raw_events AS e WHERE e.job_id = j.id AND e.accepted_at = j.created_at
              GROUP BY e.type_key) AS s) AS event_types,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('seq', e.seq, 'type', e.type,
                                                     'timestamp', e.occurred_at, 'payload', e.payload)
                                  ORDER BY e.seq), '[]')
        FROM (SELECT * FROM raw_events AS e WHERE e.job_id = j.id AND e.accepted_at = j.created_at
              ORDER BY e.seq LIMIT $2) AS e) AS first_events,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('eventType', r.event_type, 'count', r.count,
                                                     'firstTimestamp', r.first_timestamp,
                                                     'lastTimestamp', r.last_timestamp)
                                  ORDER BY r.event_type_key COLLATE "C", r.event_type COLLATE "C"), '[]')
        FROM ingestion_results AS r WHERE r.job_id = j.id) AS results,
       (SELECT p.paused_at FROM tenant_pauses AS p WHERE p.tenant_id = j.tenant_id) AS tenant_paused_at,
       (SELECT p.paused_at FROM processing_pauses AS p) AS processing_paused_at
FROM ingestion_jobs AS j
WHERE j.id = $1
