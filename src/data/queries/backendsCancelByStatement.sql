-- Cancels a statement of ours that has waited too long, from another connection: DETACH ... CONCURRENTLY
-- runs outside any transaction, where behind a transaction-mode pooler no lock_timeout can be set for
-- it. Found by its text: only the process holding the maintenance lock runs this exact statement. Sent
-- as a simple query with {statement} quoted by partitionStore.ts (the connection that sends it holds
-- the maintenance lock and must keep no snapshot, see maintenanceLockTry.sql).
SELECT pg_cancel_backend(pid) AS signalled
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query = {statement}
