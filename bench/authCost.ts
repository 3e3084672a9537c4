// What AUTH_MODE=keys and row-level security cost (issue 12), against the same build without them, in
// the same run and on the same database, alternating so that load from others on the machine falls on
// both sides alike:
//   1. POST /v1/ingestions, 100-event batches, 32 connections: AUTH_MODE=none vs keys (a write key; one
//      look-up per second per key, the rest from the cache);
//   2. GET /v1/ingestions/{id}, 32 connections: none vs keys (a read key: the read runs in a transaction
//      as ingest_tenant_reader, under row-level security);
//   3. POST as in 1, AUTH_MODE=none, as the tables' owner (row-level security bypassed, as the service
//      normally runs) vs as a role that is not the owner (every inserted row passes the policy).
//
//   npx tsx bench/authCost.ts [SECONDS_PER_RUN] [PAIRS]     (default 8 s, 3 pairs)
import pg from 'pg';
import { openBenchDatabase, resetTables } from './benchDatabase.js';
import { batchBody } from './batches.js';
import { buildService } from './buildService.js';
import { postLoad, type LoadResult } from './loadGenerator.js';
import { startApi } from './serviceProcesses.js';
import { createPool } from '../src/data/pool.js';
import { parseConnectionString } from '../src/config/connectionString.js';
import { runKeysCommand } from '../src/entry/keysCommand.js';

const seconds = Number(process.argv[2] ?? 8);
const pairs = Number(process.argv[3] ?? 3);
const log = (message: string) => process.stderr.write(`[auth-cost] ${message}\n`);

buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  // Migrated by a first start, then the keys and a role that is not the owner.
  await (await startApi(database.url)).stop();
  const parsed = parseConnectionString(database.url);
  if (typeof parsed === 'string') throw new Error(parsed);
  const pool = createPool(parsed, { max: 1, applicationName: 'auth-cost', onIdleError: () => undefined });
  const key = async (kind: string) =>
    (await runKeysCommand(pool, ['create', '--tenant', 'bench-tenant', '--kind', kind])).stdout.at(-1)!;
  const writeKey = await key('write');
  const readKey = await key('read');
  await pool.end();
  await client.query(
    `DO $$ BEGIN CREATE ROLE ingest_bench_service LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  );
  await client.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ingestion_jobs, raw_events, ingestion_results, api_keys TO ingest_bench_service`,
  );
  const serviceUrl = new URL(database.url);
  serviceUrl.username = 'ingest_bench_service';

  const body = batchBody(100);
  const post = (url: string, headers?: Record<string, string>) =>
    postLoad({ url: `${url}/v1/ingestions`, body, connections: 32, seconds, headers });
  const runs: Record<string, LoadResult[]> = {};
  const record = (name: string, result: LoadResult) => (runs[name] ??= []).push(result);

  const none = await startApi(database.url);
  const keys = await startApi(database.url, { AUTH_MODE: 'keys' });
  const nonOwner = await startApi(serviceUrl.toString(), { RUN_MIGRATIONS_ON_STARTUP: 'false' });
  try {
    const bearer = (text: string) => ({ authorization: `Bearer ${text}` });
    await post(none.url);
    await post(keys.url, bearer(writeKey));
    await post(nonOwner.url);
    const { rows } = await client.query<{ id: string }>('SELECT id FROM ingestion_jobs LIMIT 1');
    const jobPath = `/v1/ingestions/${rows[0]!.id}`;
    const get = (url: string, headers?: Record<string, string>) =>
      postLoad({ url: url + jobPath, body: '', connections: 32, seconds, headers, method: 'GET' });
    for (let pair = 0; pair < pairs; pair += 1) {
      log(`pair ${pair + 1} of ${pairs}`);
      await resetTables(client);
      record('POST none (owner)', await post(none.url));
      await resetTables(client);
      record('POST keys (write key)', await post(keys.url, bearer(writeKey)));
      await resetTables(client);
      record('POST none (not owner: RLS applies)', await post(nonOwner.url));
      await client.query(
        `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count) VALUES ($1, 'bench-tenant', 5, 1)
         ON CONFLICT DO NOTHING`,
        [rows[0]!.id],
      );
      record('GET none', await get(none.url));
      record('GET keys (read key, RLS)', await get(keys.url, bearer(readKey)));
    }
  } finally {
    await Promise.all([none.stop(), keys.stop(), nonOwner.stop()]);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const lines = Object.entries(runs).map(([name, results]) => {
    const perSec = median(results.map((r) => r.acceptedPerSec));
    const p50 = median(results.map((r) => r.p50Ms));
    const p99 = median(results.map((r) => r.p99Ms));
    const bad = results.reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    return `| ${name} | ${perSec.toFixed(0)} | ${p50} | ${p99} | ${bad} | ${results.map((r) => r.acceptedPerSec.toFixed(0)).join(', ')} |`;
  });
  process.stdout.write(
    [
      '| run | 2xx/s (median) | p50 ms | p99 ms | non-2xx + errors | each pair |',
      '| --- | --- | --- | --- | --- | --- |',
      ...lines,
    ].join('\n') + '\n',
  );
  await client.query('DROP OWNED BY ingest_bench_service');
} finally {
  await client.end();
  await database.dispose();
}
