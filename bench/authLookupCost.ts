// What identifying a request's API key costs the API (issue 12), in-process: a look-up answered from the
// 1 s cache (all but one request per key per second per process), and one that reads the database (the
// first request of each second). Against the machine's PostgreSQL (or BENCH_DATABASE_URL's server).
//
//   npx tsx bench/authLookupCost.ts
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ApiKeyAuthenticator } from '../src/auth/keyAuthenticator.js';
import { parseConnectionString } from '../src/config/connectionString.js';
import { migrateDatabase } from '../src/data/migrate.js';
import { createPool } from '../src/data/pool.js';
import { runKeysCommand } from '../src/entry/keysCommand.js';

const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `ingest_auth_cost_${process.pid}`;
const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
const parsed = parseConnectionString(url.toString());
if (typeof parsed === 'string') throw new Error(parsed);
const pool = createPool(parsed, { max: 2, applicationName: 'auth-cost', onIdleError: () => undefined });
try {
  await migrateDatabase(pool);
  const key = (await runKeysCommand(pool, ['create', '--tenant', 'acme', '--kind', 'write'])).stdout.at(-1)!;

  const cached = new ApiKeyAuthenticator(pool);
  await cached.authenticate(key);
  const hits = 200_000;
  let started = performance.now();
  for (let i = 0; i < hits; i += 1) await cached.authenticate(key);
  const hitMicros = ((performance.now() - started) * 1000) / hits;

  const uncached = new ApiKeyAuthenticator(pool, { cacheMillis: 0 });
  const misses = 2000;
  started = performance.now();
  for (let i = 0; i < misses; i += 1) await uncached.authenticate(key);
  const missMicros = ((performance.now() - started) * 1000) / misses;

  process.stdout.write(
    `cache hit: ${hitMicros.toFixed(2)} µs per request (${hits} requests)\n` +
      `database look-up: ${missMicros.toFixed(0)} µs per request (${misses} requests, one connection, sequential)\n`,
  );
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
