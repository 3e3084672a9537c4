-- Taken by a maintenance pass on its lock's connection, inside a savepoint, for the time it checks for
-- unfinished jobs and detaches one partition past retention: see eventsDropLockShare.sql. Sent as a
-- simple query (text alone) on that connection, like maintenanceLockTry.sql, so that it leaves no
-- portal and no snapshot behind.
SELECT pg_advisory_xact_lock(4217307353)
