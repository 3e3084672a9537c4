-- The partitions of raw_events and their bounds. The catalog keeps a bound only as an expression;
-- its text is read back into timestamptz in the same session that printed it, so the session's time
-- zone and date style cannot change its meaning. MINVALUE and MAXVALUE come back as null.
-- detach_pending: a DETACH ... CONCURRENTLY that was interrupted and must be finalized.
SELECT part.relname AS name,
       inh.inhdetachpending AS detach_pending,
       CASE WHEN bound[1] = 'MINVALUE' THEN NULL ELSE btrim(bound[1], '''')::timestamptz END AS from_bound,
       CASE WHEN bound[2] = 'MAXVALUE' THEN NULL ELSE btrim(bound[2], '''')::timestamptz END AS to_bound
FROM pg_inherits AS inh
JOIN pg_class AS part ON part.oid = inh.inhrelid
CROSS JOIN LATERAL regexp_match(pg_get_expr(part.relpartbound, part.oid),
                                '^FOR VALUES FROM \((MINVALUE|''[^'']*'')\) TO \((MAXVALUE|''[^'']*'')\)$') AS m (bound)
WHERE inh.inhparent = 'raw_events'::regclass
ORDER BY from_bound NULLS FIRST
