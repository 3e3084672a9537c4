import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../support/testApp.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Per-tenant limits (issue 12, part 5) across two real API processes on one database: a tenant allowed
// 100 requests a second gets about 100 in total, not 200, and what is refused is a 429 that stores nothing.
const db = useTestDatabase();
const limits = { RATE_LIMIT_REQUESTS_PER_SECOND: '100', TENANT_MAX_PENDING_EVENTS: '5000' };
const apis: ServiceProcess[] = [];
const bases: string[] = [];
let admin: pg.Client;

// Processes learn of each other through LISTEN: behind a transaction pooler (TEST_PGBOUNCER=1) they need
// the direct connection a deployment gives them there (docs/pgbouncer.md).
const listen = db.listenConfig;
const listenEnv: Record<string, string> = db.behindPooler
  ? {
      LISTEN_DATABASE_URL: `postgres://${encodeURIComponent(listen.user)}${listen.password ? `:${encodeURIComponent(listen.password)}` : ''}@${listen.host}:${listen.port}/${listen.database}`,
    }
  : {};

beforeAll(async () => {
  for (let i = 0; i < 2; i += 1) {
    const port = await freePort();
    const api = startProcess('src/entry/api.ts', {
      ...db.env,
      ...listenEnv,
      ...limits,
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    apis.push(api);
    bases.push(`http://127.0.0.1:${port}`);
  }
  await Promise.all(apis.map((api) => waitForOutput(api, /API listening/, 60_000)));
  admin = new pg.Client({ ...db.config, ssl: false });
  await admin.connect();
  // Both processes have heard each other (announcements every second): each takes half of every rate.
  await Promise.all(apis.map((api) => waitForOutput(api, /"apiProcesses":2/, 10_000)));
});

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop('SIGTERM')));
  await admin?.end();
});

function post(base: string, tenantId: string, events = 1) {
  return fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      tenantId,
      events: Array.from({ length: events }, (_, k) => ({
        type: 'clicked',
        timestamp: '2024-05-01T12:00:00Z',
        payload: { k },
      })),
    }),
  });
}

async function storedJobs(tenantId: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM ingestion_jobs WHERE tenant_id = $1',
    [tenantId],
  );
  return rows[0]!.n;
}

describe('per-tenant limits across two API processes', () => {
  it('lets a tenant allowed 100 requests a second send about 100 a second in total', async () => {
    const seconds = 8;
    const deadline = Date.now() + seconds * 1000;
    let accepted = 0;
    const refusals: Response[] = [];
    // Eight clients per process, as fast as they can: far more than 100 requests a second.
    const client = async (base: string) => {
      while (Date.now() < deadline) {
        const response = await post(base, 'rate-tenant');
        if (response.status === 202) accepted += 1;
        else if (response.status === 429) refusals.push(response);
        else throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        if (response.status !== 429 || refusals.length > 1) await response.body?.cancel();
      }
    };
    await Promise.all(bases.flatMap((base) => Array.from({ length: 8 }, () => client(base))));
    // The buckets start full, one second's worth (100 in total); after that the rate is what counts.
    const rate = (accepted - 100) / seconds;
    const seen = `${accepted} accepted, ${refusals.length} refused in ${seconds} s`;
    expect(rate, seen).toBeGreaterThan(80);
    expect(rate, seen).toBeLessThan(120);
    expect(refusals.length).toBeGreaterThan(0);
    const refused = refusals[0]!;
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-policy')).toBe('"requests";q=100;w=1, "pending-events";q=5000');
    expect(refused.headers.get('ratelimit')).toMatch(/^"requests";r=0;t=\d+$/);
    expect(await refused.json()).toMatchObject({ status: 429, title: 'Too many requests' });
    // Nothing of a refused request is stored.
    expect(await storedJobs('rate-tenant')).toBe(accepted);
    // Another tenant is not held back by this one.
    expect((await post(bases[0]!, 'quiet-tenant')).status).toBe(202);
  });

  it('refuses a tenant whose pending events would pass the cap, on every process', async () => {
    // No worker runs: every job stays Pending. 1,000-event batches, one after another, to one process.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push((await post(bases[0]!, 'backlog-tenant', 1000)).status);
    // The other process learns of them when it reads the database's count again (every 2 s).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = await Promise.all(bases.map((base) => post(base, 'backlog-tenant', 1000)));
    const accepted = statuses.filter((s) => s === 202).length;
    expect(accepted).toBe(5);
    expect(statuses[5]).toBe(429);
    for (const response of after) {
      expect(response.status).toBe(429);
      expect(response.headers.get('ratelimit')).toMatch(/^"pending-events";r=0;t=5$/);
      expect(await response.json()).toMatchObject({ title: 'Too many pending events' });
    }
    expect(await storedJobs('backlog-tenant')).toBe(5);
    const metrics = await (await fetch(`${bases[1]!}/metrics`)).text();
    expect(metrics).toMatch(/ingest_requests_rejected_total\{reason="pending_quota"\} [1-9]/);
  });
});

describe('the 429 in the OpenAPI document', () => {
  it('matches what the API answers (every injected answer is checked against the document)', async () => {
    const app = await buildTestApp(db, { RATE_LIMIT_REQUESTS_PER_SECOND: '1' });
    try {
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/v1/ingestions',
          payload: { tenantId: 'documented', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }] },
        });
      expect((await send()).statusCode).toBe(202);
      const refused = await send();
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['ratelimit-policy']).toBe('"requests";q=1;w=1');
    } finally {
      await app.close();
    }
  });
});
