import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { bundledMigrations, migrateDatabase } from '../../src/data/migrate.js';
import { createPool } from '../../src/data/pool.js';
import { freePort, startProcess, waitForOutput } from '../support/processes.js';

// This file needs an empty database, not the migrated template.
const admin = inject('adminDatabase');
const name = `ingest_test_migrate_${process.pid}`;

beforeAll(async () => {
  const client = new pg.Client({ ...admin, ssl: false });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name}`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
});

afterAll(async () => {
  const client = new pg.Client({ ...admin, ssl: false });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
});

it('applies each migration once when several processes migrate at the same moment', async () => {
  const pools = Array.from({ length: 5 }, () =>
    createPool(
      { ...admin, database: name },
      { max: 1, applicationName: 'test', onIdleError: () => undefined },
    ),
  );
  try {
    const applied = await Promise.all(pools.map((pool) => migrateDatabase(pool)));
    const count = bundledMigrations().length;
    expect(applied.map((names) => names.length).sort()).toEqual([0, 0, 0, 0, count]);
    const { rows } = await pools[0]!.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(await migrateDatabase(pools[0]!)).toEqual([]);
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
});

it('refuses a database whose schema is newer than the build', async () => {
  const pool = createPool(
    { ...admin, database: name },
    { max: 1, applicationName: 'test', onIdleError: () => undefined },
  );
  try {
    await expect(migrateDatabase(pool, bundledMigrations().slice(0, 0))).rejects.toThrow(
      /newer than this build/,
    );
  } finally {
    await pool.end();
  }
});

it('`npm start` leaves the schema alone when RUN_MIGRATIONS_ON_STARTUP=false', async () => {
  const url = `postgres://${encodeURIComponent(admin.user)}${admin.password ? `:${encodeURIComponent(admin.password)}` : ''}@${admin.host}:${admin.port}/${name}`;
  const pool = createPool(
    { ...admin, database: name },
    { max: 1, applicationName: 'test', onIdleError: () => undefined },
  );
  // The earlier tests migrated this database: empty it again.
  await pool.query('DROP TABLE IF EXISTS schema_migrations, ingestion_results, raw_events, ingestion_jobs');
  const main = startProcess('src/entry/main.ts', {
    DATABASE_URL: url,
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
  });
  try {
    await waitForOutput(main, /ingest service listening/);
    const { rows } = await pool.query("SELECT to_regclass('schema_migrations') AS migrations");
    expect(rows[0].migrations).toBeNull();
    expect(main.output()).not.toMatch(/migrations applied/);
  } finally {
    await main.stop('SIGKILL');
    await pool.end();
  }
});
