-- A job's status, its results and its output (see resultsFind) for a tenant's read key, in one statement
-- under row-level security (migration 016, as jobFindForTenant); one row with null result columns when
-- there are no results, none for another tenant's job or an unknown one.
-- $1 job id, $2 tenant, $3 whether to switch to ingest_tenant_reader
SELECT status, output, has_output, event_type, count, first_micros, last_micros
FROM ingest_tenant_results_find($2, $1, $3)
