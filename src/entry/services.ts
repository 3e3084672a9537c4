import type { Config } from '../config/config.js';
import type { DatabaseConfig } from '../config/connectionString.js';
import { migrateDatabase, type MigrationOutcome } from '../data/migrate.js';
import { createPool } from '../data/pool.js';
import type { Logger } from '../log/logger.js';

// The API and the worker are started from files of their own (apiService.ts, workerService.ts), so a
// worker process never loads the HTTP stack (Fastify, ajv, swagger: 8-13 MB of its resident memory) and the
// API never loads the worker.

/** A started part of the service. */
export interface Running {
  /** Stops it gracefully and closes its connections. */
  stop(): Promise<void>;
}

/**
 * Applies pending migrations and logs what it applied: on MIGRATION_DATABASE_URL when it is set (a
 * direct connection past a pooler, or a role that may create tables), else on the service's database.
 */
export async function runMigrations(
  database: DatabaseConfig,
  logger: Logger,
  migrationDatabase?: DatabaseConfig,
): Promise<void> {
  const pool = createPool(migrationDatabase ?? database, {
    max: 1,
    applicationName: 'ingest-migrate',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
  });
  try {
    const { applied, unknownCompatible, tenantReads } = await migrateDatabase(pool);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
    if (tenantReads) logTenantReadRepair(logger, tenantReads);
    if (unknownCompatible.length > 0) {
      logger.warn(
        { unknownCompatible },
        `the database has migrations this build does not know (${unknownCompatible.join(', ')}); all are ` +
          'marked backward-compatible, so this build runs on the schema. Deploy the newer build again ' +
          'once the rollback is over.',
      );
    }
  } finally {
    await pool.end();
  }
}

/** Says when the migrator recreated the row-level security of tenant reads, or could not. */
function logTenantReadRepair(
  logger: Logger,
  { before, after }: NonNullable<MigrationOutcome['tenantReads']>,
): void {
  if (after.present && !before.present && before.required) {
    logger.warn(
      'row-level security for tenant reads was missing (a database restored into another server?): ' +
        'recreated the role ingest_tenant_reader, its grants and policies',
    );
  } else if (after.required && !after.present) {
    logger.error(
      'row-level security for tenant reads is missing and this database role cannot recreate it: tenant ' +
        'reads are refused until it is. Run `npm run migrate` as a role with CREATEROLE that owns the ' +
        'tables (MIGRATION_DATABASE_URL), or create the role as docs/backup.md says.',
    );
  }
}

/**
 * Where a process LISTENs for notifications: LISTEN_DATABASE_URL when set, else the service's database,
 * unless that is a transaction-mode pooler, which cannot carry them (undefined: poll instead).
 */
export function listenDatabaseFor(config: Config, database: DatabaseConfig): DatabaseConfig | undefined {
  return config.listenDatabase ?? (database.poolMode === 'transaction' ? undefined : database);
}
