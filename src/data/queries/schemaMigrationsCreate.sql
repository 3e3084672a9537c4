-- The ledger of applied migrations, created by the first run. backward_compatible: the migration only
-- adds (tables, nullable columns, indexes), so a build that does not know it may still run on the
-- schema, which is what makes a rollback after a migration possible (docs/deployment.md).
CREATE TABLE schema_migrations (
  version             integer     PRIMARY KEY,
  name                text        NOT NULL,
  applied_at          timestamptz NOT NULL DEFAULT now(),
  backward_compatible boolean     NOT NULL DEFAULT false
)
