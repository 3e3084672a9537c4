-- Pauses processing for every tenant: no claim takes any job until it is resumed (jobsClaim.sql). Jobs
-- already Processing run to their end; new jobs are accepted and stay Pending. Returns when it was paused.
WITH paused AS (
  INSERT INTO processing_pauses (only_row) VALUES (true)
  ON CONFLICT (only_row) DO NOTHING
  RETURNING paused_at
)
SELECT paused_at FROM paused
UNION ALL
SELECT paused_at FROM processing_pauses
LIMIT 1
