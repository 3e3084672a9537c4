-- The state of row-level security for a tenant's reads: whether the role ingest_tenant_reader exists
-- with SELECT on the three tables and its restrictive policy on each (`present`), whether this
-- connection's role may become it (`member`), and whether this database has had it (`required`, set by
-- the migrator; a restore from a dump keeps it while losing the role's grants and policies).
WITH reader AS (
  SELECT r.oid,
         has_table_privilege(r.oid, 'ingestion_jobs', 'SELECT')
           AND has_table_privilege(r.oid, 'raw_events', 'SELECT')
           AND has_table_privilege(r.oid, 'ingestion_results', 'SELECT') AS granted,
         (SELECT count(*) FROM pg_policy AS p
          WHERE p.polname = 'tenant_reader' AND r.oid = ANY (p.polroles) AND NOT p.polpermissive
            AND p.polrelid IN ('ingestion_jobs'::regclass, 'raw_events'::regclass,
                               'ingestion_results'::regclass)) = 3 AS policed
  FROM pg_roles AS r
  WHERE r.rolname = 'ingest_tenant_reader'
)
SELECT coalesce((SELECT granted AND policed FROM reader), false) AS present,
       coalesce((SELECT pg_has_role(current_user, reader.oid, 'MEMBER') FROM reader), false) AS member,
       coalesce((SELECT required FROM tenant_read_protection), false) AS required
