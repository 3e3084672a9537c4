import { readdirSync, readFileSync } from 'node:fs';
import type { Pool } from './pool.js';
import { templateDataCopy, templateSchemaDetect, templateTablesRename } from './templateAdoption.js';

/** A numbered schema change from `migrations/NNN_name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

// Any constant works; it only has to be the same in every process of the service.
const migrationLockKey = 4_217_307_351;

const migrationsDir = new URL('./migrations/', import.meta.url);

/** The migrations that ship with this build, in order. */
export function bundledMigrations(): Migration[] {
  const migrations = readdirSync(migrationsDir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`Migration file ${file} must be named NNN_lowercase_name.sql`);
      return {
        version: Number(match[1]),
        name: match[2]!,
        sql: readFileSync(new URL(file, migrationsDir), 'utf8'),
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

/**
 * Applies pending migrations in one transaction under an advisory lock, so processes that start at the
 * same moment wait for each other and each migration runs exactly once; a failure leaves the schema as
 * it was. Returns the names of the migrations it applied.
 */
export async function migrateDatabase(pool: Pool, migrations = bundledMigrations()): Promise<string[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [migrationLockKey]);
    // A database the .NET template created: its tables move aside, ours are created, its data is copied.
    const adoptTemplate = await templateSchemaDetect(client);
    if (adoptTemplate) await templateTablesRename(client);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    if (newest > migrations.length) {
      throw new Error(
        `The database schema is at version ${newest}, newer than this build knows (${migrations.length}). ` +
          'Deploy the newer build, or point the service at another database.',
      );
    }
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      appliedNow.push(`${String(migration.version).padStart(3, '0')}_${migration.name}`);
    }
    if (adoptTemplate) {
      const adopted = await templateDataCopy(client);
      appliedNow.push(
        `adopted the .NET template's data: ${adopted.jobs} jobs, ${adopted.events} events, ` +
          `${adopted.results} results (its tables are kept as ${adopted.keptTables.join(', ')})`,
      );
    }
    await client.query('COMMIT');
    return appliedNow;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
