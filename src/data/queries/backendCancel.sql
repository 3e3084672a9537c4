-- Cancels the statement a connection of ours is still running, and says whether it was still running:
-- one row while it is, none once it has finished (committed or rolled back) or its backend has gone.
-- Sent from another connection after the client stopped waiting for an insert (a timeout or a lost
-- connection), so the insert's outcome can be known before the request is answered. A statement that
-- is committing may finish instead of stopping; either way its backend turns idle or goes away.
-- $1 the backend pid of that connection
SELECT pg_cancel_backend(pid) AS signalled
FROM pg_stat_activity
WHERE pid = $1 AND state = 'active'
