// Workload 10: what row-level security costs a read. GET /v1/ingestions/{id} at 32 connections, three
// ways, rotating within each round: AUTH_MODE=none (a plain read), AUTH_MODE=keys with an admin key (the
// same plain read, behind the key check), and AUTH_MODE=keys with the tenant's read key (the read under
// row-level security, as ingest_tenant_reader: migration 016's one-statement function). The verdict
// compares the read key with the admin key: the same key check, so what differs is the read itself.
import { loadavg } from 'node:os';
import type pg from 'pg';
import { parseConnectionString } from '../../src/config/connectionString.js';
import { createPool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { insertOneEventJobs, resetTables } from '../benchDatabase.js';
import { postLoad } from '../loadGenerator.js';
import { cpuSeconds, followBackendCpu } from '../processCpu.js';
import { startApi } from '../serviceProcesses.js';
import { median } from './metricsCost.js';

export type ReadSide = 'plain' | 'adminKey' | 'readKey';

export interface ReadRun {
  side: ReadSide;
  requestsPerSec: number;
  p99Ms: number;
  /** CPU of the API process and of its PostgreSQL backends, µs per request. */
  apiCpuUs: number;
  databaseCpuUs: number;
  load1: number;
  failed: number;
}

export interface RlsReadFigures {
  seconds: number;
  runs: ReadRun[];
}

async function createKeys(databaseUrl: string): Promise<{ admin: string; read: string }> {
  const parsed = parseConnectionString(databaseUrl);
  if (typeof parsed === 'string') throw new Error(parsed);
  const pool = createPool(parsed, { max: 1, applicationName: 'bench-keys', onIdleError: () => undefined });
  try {
    const key = async (args: string[]) => (await runKeysCommand(pool, ['create', ...args])).stdout.at(-1)!;
    return {
      admin: await key(['--kind', 'admin']),
      read: await key(['--tenant', 'bench', '--kind', 'read']),
    };
  } finally {
    await pool.end();
  }
}

export async function rlsReadWorkload(
  databaseUrl: string,
  client: pg.Client,
  options: { rounds: number; seconds: number },
): Promise<RlsReadFigures> {
  await resetTables(client);
  await client.query('DELETE FROM api_keys');
  // insertOneEventJobs stores jobs of tenant 'bench', the read key's.
  await insertOneEventJobs(client, 1);
  const { rows } = await client.query<{ id: string }>('SELECT id FROM ingestion_jobs LIMIT 1');
  const path = `/v1/ingestions/${rows[0]!.id}`;
  const keys = await createKeys(databaseUrl);
  const none = await startApi(databaseUrl);
  const keyed = await startApi(databaseUrl, { AUTH_MODE: 'keys' });
  const sides: Record<ReadSide, { api: typeof none; headers: Record<string, string> }> = {
    plain: { api: none, headers: {} },
    adminKey: { api: keyed, headers: { authorization: `Bearer ${keys.admin}` } },
    readKey: { api: keyed, headers: { authorization: `Bearer ${keys.read}` } },
  };
  const get = (side: ReadSide, seconds: number) =>
    postLoad({
      url: sides[side].api.url + path,
      body: '',
      method: 'GET',
      connections: 32,
      seconds,
      headers: sides[side].headers,
    });
  const runs: ReadRun[] = [];
  try {
    // Warm-up: JIT, pools, prepared statements, the key cache.
    for (const side of ['plain', 'adminKey', 'readKey'] as const) await get(side, 2);
    const order: ReadSide[] = ['plain', 'adminKey', 'readKey'];
    for (let round = 0; round < options.rounds; round += 1) {
      for (const side of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
        const { api } = sides[side];
        const load1 = loadavg()[0]!;
        const backends = await followBackendCpu(client, 'ingest-api%');
        const before = cpuSeconds(api.pid);
        const result = await get(side, options.seconds);
        const apiCpu = cpuSeconds(api.pid) - before;
        const databaseCpu = (await backends.stop()).cpuSeconds;
        runs.push({
          side,
          requestsPerSec: result.acceptedPerSec,
          p99Ms: result.p99Ms,
          apiCpuUs: (apiCpu * 1e6) / result.accepted,
          databaseCpuUs: (databaseCpu * 1e6) / result.accepted,
          load1,
          failed: result.non2xx + result.errors,
        });
      }
    }
  } finally {
    await Promise.all([none.stop(), keyed.stop()]);
    await client.query('DELETE FROM api_keys');
    await resetTables(client);
  }
  return { seconds: options.seconds, runs };
}

/** Medians per side, and the read key against the admin key per round (median). */
export function rlsReadSummary(figures: RlsReadFigures) {
  const side = (wanted: ReadSide) => figures.runs.filter((run) => run.side === wanted);
  const of = (wanted: ReadSide) => ({
    requestsPerSec: median(side(wanted).map((r) => r.requestsPerSec)),
    p99Ms: median(side(wanted).map((r) => r.p99Ms)),
    apiCpuUs: median(side(wanted).map((r) => r.apiCpuUs)),
    databaseCpuUs: median(side(wanted).map((r) => r.databaseCpuUs)),
  });
  const adminKey = side('adminKey');
  const readKey = side('readKey');
  return {
    plain: of('plain'),
    adminKey: of('adminKey'),
    readKey: of('readKey'),
    ratio: median(readKey.map((r, i) => r.requestsPerSec / adminKey[i]!.requestsPerSec)),
    ratioToPlain: median(readKey.map((r, i) => r.requestsPerSec / side('plain')[i]!.requestsPerSec)),
  };
}
