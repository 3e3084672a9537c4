// Once per `npm test`: find a PostgreSQL (TEST_DATABASE_URL, else an embedded one started here), and
// build a migrated template database that every test file copies into a fresh database of its own.
import { rmSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { parseConnectionString, type DatabaseConfig } from '../../src/config/connectionString.js';
import { migrateDatabase } from '../../src/data/migrate.js';
import { createPool } from '../../src/data/pool.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/embeddedPostgres.js';
import { startPgBouncer, type PgBouncer } from './pgbouncer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabase: DatabaseConfig;
    templateDatabase: string;
    /** The port of a transaction-mode PgBouncer the service under test goes through, if any. */
    poolerPort: number | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgres | undefined;
  let admin: DatabaseConfig;
  const dataDir = `.data/test-postgres-${process.pid}`;
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const parsed = parseConnectionString(url);
    if (typeof parsed === 'string') throw new Error(`TEST_DATABASE_URL: ${parsed}`);
    admin = parsed;
  } else {
    embedded = await startEmbeddedPostgres(dataDir);
    admin = embedded.database;
  }

  const templateDatabase = `ingest_test_template_${process.pid}`;
  const client = new pg.Client({ ...admin, ssl: false });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
    await client.query(`CREATE DATABASE ${templateDatabase}`);
  } finally {
    await client.end();
  }
  const pool = createPool(
    { ...admin, database: templateDatabase },
    { max: 1, applicationName: 'test-template', onIdleError: () => undefined },
  );
  await migrateDatabase(pool);
  await pool.end();

  // TEST_PGBOUNCER=1: the service under test reaches each test database through PgBouncer in transaction
  // mode, as it would behind a managed database's pooler; set-up and teardown still go direct.
  let pooler: PgBouncer | undefined;
  if (process.env.TEST_PGBOUNCER === '1') pooler = await startPgBouncer(admin);

  project.provide('adminDatabase', admin);
  project.provide('templateDatabase', templateDatabase);
  project.provide('poolerPort', pooler?.port);

  return async () => {
    if (pooler) {
      // Proof that the run really went through the pooler, not around it.
      const transactions = await pooler.transactions();
      await pooler.stop();
      console.log(
        `PgBouncer (transaction mode) passed ${transactions} transactions of the service under test`,
      );
      if (transactions === 0) throw new Error('TEST_PGBOUNCER=1, but no transaction went through PgBouncer');
    }
    const cleanup = new pg.Client({ ...admin, ssl: false });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await cleanup.end();
    if (embedded) {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}.log`, { force: true });
    }
  };
}
