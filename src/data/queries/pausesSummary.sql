-- Whether processing is paused for everyone (since when), and how many tenants are paused: for the
-- overview and the metrics. Two small tables.
SELECT (SELECT paused_at FROM processing_pauses) AS processing_paused_at,
       (SELECT count(*) FROM tenant_pauses)::integer AS paused_tenants
