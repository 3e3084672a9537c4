-- An API process tells the others it is alive (payload: its id) or stopping (payload: "-" and its id), so
-- each divides every tenant's rate limit by the number of API processes. A notification, not a table:
-- nothing to migrate or clean up, and a process that dies simply stops being heard.
SELECT pg_notify('ingest_api_instances', $1)
