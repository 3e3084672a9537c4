-- What a migration run needs to know before it changes anything: whether the ledger exists (and has the
-- backward_compatible column), who we are, and whether we may create tables where unqualified names
-- land (current_schema(), normally public). Since PostgreSQL 15 only the database owner may create in
-- public, so a managed database's non-owner user fails here with a message instead of halfway through.
SELECT to_regclass('schema_migrations') IS NOT NULL AS ledger_exists,
       EXISTS (
         SELECT 1 FROM pg_attribute
         WHERE attrelid = to_regclass('schema_migrations')
           AND attname = 'backward_compatible' AND NOT attisdropped
       ) AS ledger_has_compatibility,
       current_user AS user_name,
       current_database() AS database_name,
       current_schema() AS schema_name,
       coalesce(has_schema_privilege(current_schema(), 'CREATE'), false) AS can_create
