-- Pauses tenant $1: no claim takes its jobs until it is resumed (jobsClaim.sql passes over it); its jobs
-- are still accepted and stay Pending. Pausing a paused tenant changes nothing. Returns when it was paused.
WITH paused AS (
  INSERT INTO tenant_pauses (tenant_id) VALUES ($1)
  ON CONFLICT (tenant_id) DO NOTHING
  RETURNING paused_at
)
SELECT paused_at FROM paused
UNION ALL
SELECT paused_at FROM tenant_pauses WHERE tenant_id = $1
LIMIT 1
