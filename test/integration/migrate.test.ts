import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import {
  bundledMigrations,
  migrateDatabase,
  migrationLockWaitSeconds,
  type Migration,
} from '../../src/data/migrate.js';
import { MigrationPrivilegeError } from '../../src/data/migrationPrivilegeError.js';
import { createPool } from '../../src/data/pool.js';
import { startProcess } from '../support/processes.js';

// This file needs empty databases, not the migrated template.
const admin = inject('adminDatabase');
const suffix = `${process.pid}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
const created: string[] = [];

async function adminQuery(sql: string, database = admin.database): Promise<pg.QueryResult> {
  const client = new pg.Client({ ...admin, database, ssl: false });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new empty database owned by the admin user, dropped after the file. */
async function emptyDatabase(label: string): Promise<string> {
  const name = `ingest_test_migrate_${label}_${suffix}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  created.push(name);
  return name;
}

async function withPool<T>(database: DatabaseConfig, use: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = createPool(database, { max: 1, applicationName: 'test', onIdleError: () => undefined });
  try {
    return await use(pool);
  } finally {
    await pool.end();
  }
}

const probe = (backwardCompatible: boolean): Migration => ({
  version: bundledMigrations().length + 1,
  name: 'add_probe',
  sql: 'CREATE TABLE probe_added (id integer)',
  backwardCompatible,
});

afterAll(async () => {
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

it('applies each migration once when several processes migrate at the same moment', async () => {
  const name = await emptyDatabase('race');
  const pools = Array.from({ length: 5 }, () =>
    createPool(
      { ...admin, database: name },
      { max: 1, applicationName: 'test', onIdleError: () => undefined },
    ),
  );
  try {
    const outcomes = await Promise.all(pools.map((pool) => migrateDatabase(pool)));
    const count = bundledMigrations().length;
    expect(outcomes.map((outcome) => outcome.applied.length).sort()).toEqual([0, 0, 0, 0, count]);
    const { rows } = await pools[0]!.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(await migrateDatabase(pools[0]!)).toMatchObject({ applied: [], unknownCompatible: [] });
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

it('gives up on a lock another session holds, changes nothing, and applies once that session ends', async () => {
  const database = { ...admin, database: await emptyDatabase('lockwait') };
  await withPool(database, async (pool) => {
    await migrateDatabase(pool);
    const alter: Migration = {
      version: bundledMigrations().length + 1,
      name: 'add_probe',
      sql: 'ALTER TABLE ingestion_jobs ADD COLUMN probe integer',
      backwardCompatible: true,
    };
    // A report left open: its transaction holds ingestion_jobs in ACCESS SHARE mode until it ends.
    const report = new pg.Client({ ...database, ssl: false });
    await report.connect();
    try {
      await report.query('BEGIN');
      await report.query('SELECT count(*) FROM ingestion_jobs');
      const error = await migrateDatabase(pool, [...bundledMigrations(), alter]).catch((e: unknown) => e);
      expect(String(error)).toMatch(
        new RegExp(
          `Migration \\d{3}_add_probe waited ${migrationLockWaitSeconds} s for a lock .* nothing was changed`,
        ),
      );
      const column = await pool.query(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'ingestion_jobs' AND column_name = 'probe'",
      );
      expect(column.rowCount).toBe(0);
      // Meanwhile the table was never closed to others for longer than the wait.
      await pool.query('SELECT count(*) FROM ingestion_jobs');
      await report.query('COMMIT');
      expect((await migrateDatabase(pool, [...bundledMigrations(), alter])).applied).toEqual([
        expect.stringMatching(/_add_probe$/),
      ]);
    } finally {
      await report.end();
    }
  });
});

describe('a schema newer than the build (a rollback after a migration)', () => {
  it('is refused when a migration the build does not know is not marked backward-compatible', async () => {
    const database = { ...admin, database: await emptyDatabase('newer') };
    await withPool(database, async (pool) => {
      await migrateDatabase(pool, [...bundledMigrations(), probe(false)]);
      await expect(migrateDatabase(pool)).rejects.toThrow(
        /newer than this build knows .* \d{3}_add_probe is not marked backward-compatible/,
      );
    });
  });

  it('is accepted, and reported, when every unknown migration is marked backward-compatible', async () => {
    const database = { ...admin, database: await emptyDatabase('compat') };
    await withPool(database, async (pool) => {
      await migrateDatabase(pool, [...bundledMigrations(), probe(true)]);
      const outcome = await migrateDatabase(pool);
      expect(outcome.applied).toEqual([]);
      expect(outcome.unknownCompatible).toEqual([expect.stringMatching(/^\d{3}_add_probe$/)]);
    });
  });

  it('reads the marker from the migration file', () => {
    expect(bundledMigrations().every((migration) => typeof migration.backwardCompatible === 'boolean')).toBe(
      true,
    );
    expect(bundledMigrations()[0]!.backwardCompatible).toBe(false);
  });

  it('upgrades a ledger written before the marker existed, reading its rows as not compatible', async () => {
    const name = await emptyDatabase('oldledger');
    const database = { ...admin, database: name };
    await withPool(database, async (pool) => {
      await migrateDatabase(pool);
      // The ledger as earlier builds created it.
      await pool.query('ALTER TABLE schema_migrations DROP COLUMN backward_compatible');
      const outcome = await migrateDatabase(pool, [...bundledMigrations(), probe(true)]);
      expect(outcome.applied).toEqual([expect.stringMatching(/_add_probe$/)]);
      const { rows } = await pool.query(
        'SELECT version, backward_compatible FROM schema_migrations ORDER BY version',
      );
      expect(rows.at(-1)).toEqual({ version: bundledMigrations().length + 1, backward_compatible: true });
      expect(rows[0]).toEqual({ version: 1, backward_compatible: false });
    });
  });
});

// PostgreSQL 15 and newer let only the database owner create in `public`: what App Platform's dev
// databases and many managed databases give the bound (non-owner) user. Both runs here are real
// `npm run migrate` processes as such a user; the role and database are created and dropped here.
describe('migrating as a user that does not own the database', () => {
  const role = `ingest_test_nonowner_${suffix}`;
  const password = 'nonowner-secret';
  let name: string;
  let url: string;

  beforeAll(async () => {
    await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    name = await emptyDatabase('nonowner');
    url = `postgres://${role}:${password}@${admin.host}:${admin.port}/${name}`;
  });

  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  const migrateProcess = async () => {
    const migrate = startProcess('src/entry/migrate.ts', { DATABASE_URL: url });
    const code = await migrate.exited;
    return { code, output: migrate.output() };
  };

  it('fails without the grant, names the GRANT to run, and changes nothing', async () => {
    const version = (await adminQuery('SHOW server_version_num')).rows[0].server_version_num;
    expect(Number(version)).toBeGreaterThanOrEqual(150000);

    const { code, output } = await migrateProcess();
    expect(code).toBe(1);
    expect(output).toContain(`GRANT USAGE, CREATE ON SCHEMA \\"public\\" TO \\"${role}\\";`);
    expect(output).toContain(`may not create tables in schema \\"public\\" of database \\"${name}\\"`);
    const { rows } = await adminQuery(`SELECT to_regclass('schema_migrations') AS ledger`, name);
    expect(rows[0].ledger).toBeNull();

    const error = await withPool({ ...admin, user: role, password, database: name }, (pool) =>
      migrateDatabase(pool).catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(MigrationPrivilegeError);
  });

  it('succeeds once the GRANT from the message has been run by the owner', async () => {
    await adminQuery(`GRANT USAGE, CREATE ON SCHEMA "public" TO "${role}";`, name);
    const { code, output } = await migrateProcess();
    expect(code, output).toBe(0);
    expect(output).toContain('migrations applied');
    const { rows } = await adminQuery(
      `SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'ingestion_jobs'`,
      name,
    );
    expect(rows).toEqual([{ tableowner: role }]);
    // A second run (the API's own start-up migration after the pre-deploy job) is a no-op.
    const again = await migrateProcess();
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('schema up to date');
  });
});
