-- Serialises migrations between processes that start at the same moment (API, workers, the migrate
-- job): held until the migration transaction ends. $1 the service's lock key.
SELECT pg_advisory_xact_lock($1)
