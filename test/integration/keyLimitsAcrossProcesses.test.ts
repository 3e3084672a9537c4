import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

// A key's own limit (`keys create --rps 20`) with no RATE_LIMIT_* setting on, over two real API processes:
// the key gets about 20 requests a second in total, not 20 per process, and not unlimited.
const db = useTestDatabase();
const apis: ServiceProcess[] = [];
const bases: string[] = [];
let pool: Pool;
let key: string;

const listen = db.listenConfig;
const listenEnv: Record<string, string> = db.behindPooler
  ? {
      LISTEN_DATABASE_URL: `postgres://${encodeURIComponent(listen.user)}${listen.password ? `:${encodeURIComponent(listen.password)}` : ''}@${listen.host}:${listen.port}/${listen.database}`,
    }
  : {};

beforeAll(async () => {
  pool = db.createPool(2);
  const created = await runKeysCommand(pool, [
    'create',
    '--tenant',
    'keyed',
    '--kind',
    'write',
    '--rps',
    '20',
  ]);
  expect(created.exitCode).toBe(0);
  key = created.stdout.at(-1)!;
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    apis.push(
      startProcess('src/entry/api.ts', {
        ...db.env,
        ...listenEnv,
        AUTH_MODE: 'keys',
        PORT: String(port),
        HOST: '127.0.0.1',
      }),
    );
    bases.push(`http://127.0.0.1:${port}`);
  }
  await Promise.all(apis.map((api) => waitForOutput(api, /API listening/, 60_000)));
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop('SIGTERM')));
  await pool?.end();
});

function post(base: string) {
  return fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ tenantId: 'keyed', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }] }),
  });
}

describe("a key's own limit across two API processes, with no setting on", () => {
  it('lets a key created with --rps 20 send about 20 requests a second in total', async () => {
    // The first request with a limited key starts each process's share of the limits; once both have
    // heard each other, each holds half the key's rate.
    for (const base of bases) expect((await post(base)).status).toBe(202);
    await Promise.all(apis.map((api) => waitForOutput(api, /"apiProcesses":2/, 10_000)));
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const seconds = 5;
    const deadline = Date.now() + seconds * 1000;
    let accepted = 0;
    let refused = 0;
    // Four clients per process, as fast as they can: far more than 20 requests a second.
    const client = async (base: string) => {
      while (Date.now() < deadline) {
        const response = await post(base);
        if (response.status === 202) accepted += 1;
        else if (response.status === 429) refused += 1;
        else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        await response.body?.cancel();
      }
    };
    await Promise.all(bases.flatMap((base) => Array.from({ length: 4 }, () => client(base))));
    // The buckets start full: one second's worth (20 in total); after that the rate is what counts.
    const rate = (accepted - 20) / seconds;
    const seen = `${accepted} accepted, ${refused} refused in ${seconds} s`;
    expect(rate, seen).toBeGreaterThan(14);
    expect(rate, seen).toBeLessThan(26);
    expect(refused, seen).toBeGreaterThan(0);
  });
});
