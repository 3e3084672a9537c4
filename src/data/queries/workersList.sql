-- The worker processes that announced themselves within the last $1 seconds, or stopped within them:
-- live ones first, then the ones gone quiet (no announcement for three intervals and 5 s: killed, frozen
-- or cut off from the database) and the stopped ones, newest first. Each with the jobs the database
-- says it still holds (Processing with its name on them): a killed worker's jobs stay there until the
-- lease sweep takes them back. The database clock judges every age.
WITH held AS (
  SELECT j.locked_by, count(*)::integer AS jobs
  FROM ingestion_jobs AS j
  WHERE j.status = 'Processing'
  GROUP BY j.locked_by
),
listed AS (
  SELECT w.*,
         CASE WHEN w.stopped_at IS NOT NULL THEN 'stopped'
              WHEN w.heartbeat_at < now() - make_interval(secs => w.announce_seconds * 3 + 5) THEN 'gone'
              ELSE 'live' END AS state
  FROM worker_processes AS w
  WHERE coalesce(w.stopped_at, w.heartbeat_at) >= now() - make_interval(secs => $1)
)
SELECT l.id, l.host, l.pid, l.version, l.started_at, l.concurrency, l.jobs_in_hand, l.heartbeat_at,
       l.stopped_at, l.state, coalesce(h.jobs, 0) AS leased_jobs, now() AS now
FROM listed AS l
LEFT JOIN held AS h ON h.locked_by = l.id
ORDER BY l.state = 'live' DESC, coalesce(l.stopped_at, l.heartbeat_at) DESC, l.started_at DESC, l.id
LIMIT 500
