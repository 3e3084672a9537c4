-- A worker process says it is alive: one upsert of its row in worker_processes, every few seconds. The
-- first one records when it started (database clock); every one records the jobs it holds and the time.
-- $8 true marks it stopped (its last announcement, from a graceful stop).
-- $1 worker id, $2 host, $3 pid, $4 version, $5 concurrency, $6 jobs in hand, $7 seconds between
-- announcements, $8 stopping
-- Its commit does not wait for the WAL flush: an announcement lost in a database crash is made again
-- a few seconds later.
WITH no_flush_wait AS (
  SELECT set_config('synchronous_commit', 'off', true)
)
INSERT INTO worker_processes AS w (id, host, pid, version, started_at, concurrency, jobs_in_hand, heartbeat_at,
                                   announce_seconds, stopped_at)
SELECT $1, $2, $3, $4, now(), $5, $6, now(), $7, CASE WHEN $8::boolean THEN now() END
FROM no_flush_wait
ON CONFLICT (id) DO UPDATE
SET jobs_in_hand = excluded.jobs_in_hand, heartbeat_at = excluded.heartbeat_at,
    announce_seconds = excluded.announce_seconds, stopped_at = excluded.stopped_at
