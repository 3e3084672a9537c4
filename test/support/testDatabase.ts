import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { DatabaseConfig } from '../../src/config/connectionString.js';
import { createPool, type Pool, type PoolOptions } from '../../src/data/pool.js';

/** A database of one test file's own, copied from the migrated template. */
export interface TestDatabase {
  config: DatabaseConfig;
  /** A postgres:// URL for child processes. */
  url: string;
  /**
   * Whether the code under test reaches the database through a transaction-mode pooler (TEST_PGBOUNCER=1):
   * then it has no per-connection settings (statement and lock timeouts are the role's) and does not know
   * the server process behind a connection, and tests of those mechanisms do not apply.
   */
  behindPooler: boolean;
  /** A direct connection to the database, past any pooler: what LISTEN needs. */
  listenConfig: DatabaseConfig;
  /**
   * The environment a service process needs to reach this database: DATABASE_URL, and
   * DATABASE_POOL_MODE when the run goes through PgBouncer (TEST_PGBOUNCER=1).
   */
  env: Record<string, string>;
  /** A pool on the test database. The file fails if it leaves one open. */
  createPool(max?: number, options?: Partial<PoolOptions>): Pool;
}

/**
 * Gives the calling test file a fresh, migrated database for its lifetime, and fails the file if any
 * pool it opened is still open at the end (a leaked pool hides a missing `end()` in the code under test
 * and keeps connections that other files need).
 */
export function useTestDatabase(): TestDatabase {
  const admin = inject('adminDatabase');
  const template = inject('templateDatabase');
  const poolerPort = inject('poolerPort');
  const name = `ingest_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  // What the code under test gets: through the pooler when there is one. Creating and dropping the
  // database use the admin connection, direct.
  const config: DatabaseConfig = poolerPort
    ? { ...admin, database: name, port: poolerPort, poolMode: 'transaction' }
    : { ...admin, database: name };
  const pools: Pool[] = [];

  beforeAll(async () => {
    const client = new pg.Client({ ...admin, ssl: false });
    await client.connect();
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    await client.end();
  });

  afterAll(async () => {
    const open = pools.filter((pool) => !pool.ended);
    await Promise.all(open.map((pool) => pool.end()));
    const client = new pg.Client({ ...admin, ssl: false });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
    if (open.length > 0)
      throw new Error(`The test file left ${open.length} database pool(s) open; end them.`);
  });

  const password = admin.password ? `:${encodeURIComponent(admin.password)}` : '';
  const url = `postgres://${encodeURIComponent(admin.user)}${password}@${admin.host}:${config.port}/${name}`;
  return {
    config,
    url,
    behindPooler: Boolean(poolerPort),
    listenConfig: { ...admin, database: name },
    env: { DATABASE_URL: url, ...(poolerPort ? { DATABASE_POOL_MODE: 'transaction' } : {}) },
    createPool(max = 5, options = {}) {
      const pool = createPool(config, {
        max,
        applicationName: 'test',
        onIdleError: () => undefined,
        ...options,
      });
      pools.push(pool);
      return pool;
    },
  };
}
