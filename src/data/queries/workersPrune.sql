-- Forgets worker processes not heard from for $1 seconds (the maintenance pass: a day): the table keeps
-- the live ones and the recently gone, whatever the number of restarts.
DELETE FROM worker_processes
WHERE heartbeat_at < now() - make_interval(secs => $1)
