import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { MigrationPrivilegeError, quoteIdentifier } from './migrationPrivilegeError.js';
import type { Pool } from './pool.js';
import { sqlStatement } from './sql.js';
import { tenantReadProtectionEnsure, type TenantReadProtectionState } from './tenantReadProtection.js';
import { templateDataCopy, templateSchemaDetect, templateTablesRename } from './templateAdoption.js';

/** A numbered schema change from `migrations/NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * The file has a line `-- backward-compatible`: it only adds (tables, nullable columns or columns with
   * a default, indexes), so a build that does not know it can keep running on the migrated schema.
   */
  backwardCompatible: boolean;
}

/** What a migration run did. */
export interface MigrationOutcome {
  /** The migrations applied now, as `NNN_name`. */
  applied: string[];
  /**
   * Migrations the database has that this build does not know, all marked backward-compatible (a newer
   * build applied them, then this older one was deployed again: a rollback). Empty normally.
   */
  unknownCompatible: string[];
  /** Row-level security of a tenant's reads before and after the migrator recreated what was missing. */
  tenantReads?: { before: TenantReadProtectionState; after: TenantReadProtectionState };
}

// Any constant works; it only has to be the same in every process of the service.
const migrationLockKey = 4_217_307_351;

const migrationsDir = new URL('./migrations/', import.meta.url);

// Migrations run once per process start, so these go as unnamed statements (no prepared statement is
// left behind on a pooled connection that a schema change could invalidate).
const statements = {
  lockTake: sqlStatement('migrationLockTake').text,
  stateFind: sqlStatement('migrationStateFind').text,
  ledgerCreate: sqlStatement('schemaMigrationsCreate').text,
  ledgerCompatibilityAdd: sqlStatement('schemaMigrationsCompatibilityAdd').text,
  ledgerFind: sqlStatement('schemaMigrationsFind').text,
  ledgerInsert: sqlStatement('schemaMigrationInsert').text,
};

/**
 * How long a migration waits for a lock on a table before it gives up, changing nothing. A migration that
 * alters a table asks for it exclusively, and every later read and write of that table queues behind the
 * request: waiting on a long query or a backup (pg_dump holds its tables to the end) would stop the
 * service for as long. Short statements, which is all the service runs, end well within it.
 */
export const migrationLockWaitSeconds = 5;

const backwardCompatibleMarker = /^--\s*backward-compatible\s*$/m;

/** The migrations that ship with this build, in order. */
export function bundledMigrations(): Migration[] {
  const migrations = readdirSync(migrationsDir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`Migration file ${file} must be named NNN_lowercase_name.sql`);
      const sql = readFileSync(new URL(file, migrationsDir), 'utf8');
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql,
        backwardCompatible: backwardCompatibleMarker.test(sql),
      };
    });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Migrations must be numbered 1, 2, 3 … without gaps; found ${migration.version} at ${index + 1}`,
      );
    }
  });
  return migrations;
}

interface MigrationState {
  ledger_exists: boolean;
  ledger_has_compatibility: boolean;
  user_name: string;
  database_name: string;
  schema_name: string | null;
  can_create: boolean;
}

interface LedgerRow {
  version: number;
  name: string;
  backward_compatible: boolean;
}

const label = (version: number, name: string) => `${String(version).padStart(3, '0')}_${name}`;

/**
 * Applies pending migrations in one transaction under an advisory lock, so processes that start at the
 * same moment wait for each other and each migration runs exactly once; a failure leaves the schema as
 * it was. Before changing anything it checks that the user may create tables where they would land,
 * and fails with the GRANT to run when it may not (PostgreSQL 15 and newer, a non-owner user). A schema
 * newer than the build is accepted only when every unknown migration is marked backward-compatible.
 */
export async function migrateDatabase(
  pool: Pool,
  migrations = bundledMigrations(),
): Promise<MigrationOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(statements.lockTake, [migrationLockKey]);
    // A database the .NET template created: its tables move aside, ours are created, its data is copied.
    const adoptTemplate = await templateSchemaDetect(client);
    if (adoptTemplate) await templateTablesRename(client);
    const state = (await client.query<MigrationState>(statements.stateFind)).rows[0]!;
    const ledger = state.ledger_exists ? (await client.query<LedgerRow>(statements.ledgerFind)).rows : [];
    const unknownCompatible = checkNewerSchema(ledger, migrations);
    const appliedVersions = new Set(ledger.map((row) => row.version));
    const pending = migrations.filter((migration) => !appliedVersions.has(migration.version));
    if (pending.length > 0 || !state.ledger_exists) {
      if (!state.can_create) {
        throw new MigrationPrivilegeError(
          state,
          pending.map((m) => label(m.version, m.name)),
        );
      }
      if (!state.ledger_exists) await client.query(statements.ledgerCreate);
      else if (!state.ledger_has_compatibility) await client.query(statements.ledgerCompatibilityAdd);
    }
    const applied: string[] = [];
    for (const migration of pending) {
      await applyOne(client, state, migration);
      applied.push(label(migration.version, migration.name));
    }
    if (adoptTemplate) {
      const adopted = await templateDataCopy(client);
      applied.push(
        `adopted the .NET template's data: ${adopted.jobs} jobs, ${adopted.events} events, ` +
          `${adopted.results} results (its tables are kept as ${adopted.keptTables.join(', ')})`,
      );
    }
    // After every run, not as a migration: a restored database needs it whatever its schema version.
    const tenantReads = await tenantReadProtectionEnsure(client);
    await client.query('COMMIT');
    return { applied, unknownCompatible, ...(tenantReads ? { tenantReads } : {}) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Migrations in the database beyond what this build ships: returned when all are backward-compatible
 * (the build runs on the schema), otherwise an error saying which ones block it and what to do.
 */
function checkNewerSchema(ledger: LedgerRow[], migrations: Migration[]): string[] {
  const unknown = ledger.filter((row) => row.version > migrations.length);
  if (unknown.length === 0) return [];
  const blocking = unknown.filter((row) => !row.backward_compatible);
  if (blocking.length > 0) {
    const newest = Math.max(...unknown.map((row) => row.version));
    throw new Error(
      `The database schema is at version ${newest}, newer than this build knows (${migrations.length}), ` +
        `and ${blocking.map((row) => label(row.version, row.name)).join(', ')} ` +
        `${blocking.length === 1 ? 'is' : 'are'} not marked backward-compatible, so this build cannot run ` +
        'on it. Deploy the newer build, or restore the database from a backup taken before the migration ' +
        '(docs/deployment.md, "Rolling back").',
    );
  }
  return unknown.map((row) => label(row.version, row.name));
}

async function applyOne(client: pg.PoolClient, state: MigrationState, migration: Migration) {
  await client.query(`SET LOCAL lock_timeout = '${migrationLockWaitSeconds}s'`);
  try {
    await client.query(migration.sql);
  } catch (error) {
    if ((error as { code?: unknown }).code === '55P03') {
      throw new Error(
        `Migration ${label(migration.version, migration.name)} waited ${migrationLockWaitSeconds} s for a ` +
          'lock on a table that another session holds (a long query, an open transaction, a backup), and ' +
          'gave up rather than hold up the service behind it: nothing was changed. Find the session with ' +
          '`SELECT pid, xact_start, state, query FROM pg_stat_activity WHERE datname = current_database() ' +
          'ORDER BY xact_start`, then migrate again once it has ended (`npm run migrate`), or end it with ' +
          '`SELECT pg_terminate_backend(pid)` (an idle open transaction keeps its locks until its session ends).',
        { cause: error },
      );
    }
    // A privilege the pre-check could not foresee (an extension, another schema): name the migration
    // and the user, keep PostgreSQL's own message.
    if ((error as { code?: unknown }).code === '42501') {
      throw new Error(
        `Migration ${label(migration.version, migration.name)} failed: ${(error as Error).message}. ` +
          `The database user ${quoteIdentifier(state.user_name)} lacks a privilege it needs; grant it as ` +
          `the owner of database ${quoteIdentifier(state.database_name)} and deploy again.`,
        { cause: error },
      );
    }
    throw error;
  }
  await client.query(statements.ledgerInsert, [
    migration.version,
    migration.name,
    migration.backwardCompatible,
  ]);
}
