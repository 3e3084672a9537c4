-- Whether this database may be the .NET template's: its EF Core history table and its jobs table, and
-- none of our own migration ledger.
SELECT to_regclass('"__EFMigrationsHistory"') IS NOT NULL
       AND to_regclass('ingestion_jobs') IS NOT NULL
       AND to_regclass('schema_migrations') IS NULL AS is_template
