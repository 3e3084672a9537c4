// The TypeScript client (client/) against the real service: API and worker processes over real HTTP on
// a real PostgreSQL. Batches by count, size and time, gzip, one Idempotency-Key per batch, a 413 split
// in two, a 429 waited out for Retry-After, a 400 reported with its field errors and not retried, the
// bounded queue, and the reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  IngestApiError,
  RejectedBatchError,
  type ClientError,
  type TrackEvent,
} from '../../client/src/index.js';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { recordingFetch } from '../support/recordingFetch.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
const processes: ServiceProcess[] = [];
const bases = {} as Record<'main' | 'split' | 'limited' | 'open', string>;
const keys = {} as Record<'write' | 'read' | 'split' | 'limited', string>;

async function createKey(args: string[]): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  expect(outcome.exitCode, outcome.stderr.join('\n')).toBe(0);
  return outcome.stdout.at(-1)!;
}

async function startApi(name: keyof typeof bases, env: Record<string, string> = {}) {
  const port = await freePort();
  const service = startProcess('src/entry/api.ts', {
    ...db.env,
    AUTH_MODE: 'keys',
    HOST: '127.0.0.1',
    PORT: String(port),
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    ...env,
  });
  processes.push(service);
  await waitForOutput(service, /API listening/, 120_000);
  bases[name] = `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  pool = db.createPool(2);
  keys.write = await createKey(['--tenant', 'acme', '--kind', 'write']);
  keys.read = await createKey(['--tenant', 'acme', '--kind', 'read']);
  keys.split = await createKey(['--tenant', 'split', '--kind', 'write']);
  keys.limited = await createKey(['--tenant', 'limited', '--kind', 'write']);
  const worker = startProcess('src/entry/worker.ts', {
    ...db.env,
    POLL_INTERVAL_MS: '200',
    RUN_MIGRATIONS_ON_STARTUP: 'false',
  });
  processes.push(worker);
  await Promise.all([
    startApi('main'),
    startApi('split', { MAX_EVENTS_PER_REQUEST: '10' }),
    startApi('limited', { RATE_LIMIT_REQUESTS_PER_SECOND: '2' }),
    startApi('open', { AUTH_MODE: 'none' }),
    waitForOutput(worker, /worker started/, 120_000),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop('SIGTERM')));
  await pool.end();
});

const event = (n: number, extra: Partial<TrackEvent> = {}): TrackEvent => ({
  type: n % 2 ? 'viewed' : 'clicked',
  timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, n % 60)),
  payload: { n },
  ...extra,
});

/** How many times each payload n of `tenant` is stored. */
async function storedTimes(tenant: string): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ n: number; times: number }>(
    `SELECT (e.payload ->> 'n')::int AS n, count(*)::int AS times
     FROM raw_events AS e JOIN ingestion_jobs AS j ON j.id = e.job_id AND j.created_at = e.accepted_at
     WHERE j.tenant_id = $1 GROUP BY 1`,
    [tenant],
  );
  return new Map(rows.map((row) => [row.n, row.times]));
}

const allOnce = (stored: Map<number, number>, count: number) =>
  stored.size === count && [...stored.values()].every((times) => times === 1);

describe('sending', () => {
  it('sends batches by count, gzip-compressed, each stored once, and flush() waits for them', async () => {
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: bases.main,
      key: keys.write,
      maxBatchEvents: 50,
      fetch: recorder.fetch,
    });
    for (let n = 0; n < 230; n += 1) client.track(event(n));
    await client.flush();
    const posts = recorder.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => [r.status, r.events])).toEqual([
      [202, 50],
      [202, 50],
      [202, 50],
      [202, 50],
      [202, 30],
    ]);
    expect(posts.every((r) => r.contentEncoding === 'gzip')).toBe(true);
    expect(new Set(posts.map((r) => r.idempotencyKey)).size).toBe(5);
    expect(allOnce(await storedTimes('acme'), 230)).toBe(true);
    expect(client.stats()).toMatchObject({ queued: 0, sending: 0, sent: 230, dropped: 0, rejected: 0 });
    await client.close();
  });

  it('sends a batch by size, and by time without a flush', async () => {
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: bases.main,
      key: keys.write,
      maxBatchBytes: 3000,
      flushIntervalMs: 200,
      fetch: recorder.fetch,
    });
    for (let n = 1000; n < 1010; n += 1) client.track(event(n, { payload: { n, pad: 'x'.repeat(1200) } }));
    // Two events of ~1.3 KB fill 3,000 bytes: every batch goes by size, none needs the timer or a flush.
    expect(await eventually(async () => client.stats().sent === 10)).toBe(true);
    expect(recorder.requests.map((r) => r.events)).toEqual([2, 2, 2, 2, 2]);
    client.track(event(1010));
    // One event alone waits for flushIntervalMs, then goes.
    expect(await eventually(async () => client.stats().sent === 11)).toBe(true);
    expect(recorder.requests.at(-1)!.events).toBe(1);
    await client.close();
  });

  it('reports a 400 with its field errors through onError, without retrying it', async () => {
    const errors: ClientError[] = [];
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: bases.main,
      key: keys.write,
      fetch: recorder.fetch,
      onError: (e) => errors.push(e),
    });
    // A payload nested deeper than the service takes: only the service can tell.
    const deep = Array.from({ length: 70 }).reduce<unknown>((inner) => ({ inner }), 1);
    client.track({ type: 'clicked', payload: deep });
    await client.flush();
    expect(recorder.requests.map((r) => r.status)).toEqual([400]);
    expect(errors).toHaveLength(1);
    const rejected = errors[0] as RejectedBatchError;
    expect(rejected).toBeInstanceOf(RejectedBatchError);
    expect(rejected.status).toBe(400);
    expect(Object.keys(rejected.fieldErrors)).toEqual(['events[0].payload']);
    expect(rejected.events).toHaveLength(1);
    expect(client.stats().rejected).toBe(1);
    await client.close();
  });

  it('refuses at track() a timestamp the service would refuse, so it cannot sink the good events batched with it', async () => {
    const recorder = recordingFetch();
    const client = createClient({ baseUrl: bases.main, key: keys.write, fetch: recorder.fetch });
    const bad = [
      'yesterday',
      '2024-05-01 12:00:00',
      '2024-05-01T12:00:00',
      1714564800000,
      new Date(Number.NaN),
    ];
    for (const timestamp of bad) {
      expect(() => client.track({ type: 'clicked', timestamp } as TrackEvent)).toThrow(TypeError);
    }
    client.track({ type: 'clicked', timestamp: '2024-05-01T12:00:00.5+02:00' });
    client.track({ type: 'clicked', timestamp: new Date() });
    await client.flush();
    expect(recorder.requests.map((r) => r.status)).toEqual([202]);
    expect(client.stats()).toMatchObject({ sent: 2, rejected: 0 });
    await client.close();
  });

  it('splits a batch the service answers 413 in two, and the halves again, until each fits', async () => {
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: bases.split,
      key: keys.split,
      maxBatchEvents: 40,
      fetch: recorder.fetch,
    });
    for (let n = 0; n < 40; n += 1) client.track(event(n));
    await client.flush();
    expect(recorder.requests.map((r) => [r.status, r.events])).toEqual([
      [413, 40],
      [413, 20],
      [202, 10],
      [202, 10],
      [413, 20],
      [202, 10],
      [202, 10],
    ]);
    expect(allOnce(await storedTimes('split'), 40)).toBe(true);
    await client.close();
  });

  it('waits out a 429 for Retry-After, then sends the batch again with the same Idempotency-Key', async () => {
    const recorder = recordingFetch();
    const client = createClient({
      baseUrl: bases.limited,
      key: keys.limited,
      maxBatchEvents: 5,
      fetch: recorder.fetch,
    });
    for (let n = 0; n < 30; n += 1) client.track(event(n));
    await client.flush();
    const limited = recorder.requests.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    for (const refused of limited) {
      const next = recorder.requests[recorder.requests.indexOf(refused) + 1]!;
      expect(next.idempotencyKey).toBe(refused.idempotencyKey);
      // The client waited at least what Retry-After asked (a timer may fire a millisecond early).
      expect(next.at - refused.answeredAt).toBeGreaterThanOrEqual(Number(refused.retryAfter) * 1000 - 2);
    }
    expect(allOnce(await storedTimes('limited'), 30)).toBe(true);
    await client.close();
  });

  it('keeps at most maxQueueEvents while the service is unreachable, dropping the oldest and saying how many', async () => {
    const errors: ClientError[] = [];
    const client = createClient({
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      key: keys.write,
      maxQueueEvents: 100,
      flushIntervalMs: 60_000,
      onError: (e) => errors.push(e),
    });
    for (let n = 0; n < 250; n += 1) client.track(event(n));
    await Promise.resolve();
    expect(errors.map((e) => [e.kind, 'count' in e ? e.count : undefined])).toEqual([['dropped', 150]]);
    expect(client.stats()).toMatchObject({ queued: 100, dropped: 150 });
    await client.close({ timeoutMs: 100 });
    const undelivered = errors.flatMap((e) => (e.kind === 'undelivered' ? e.events : []));
    // The oldest were dropped: what was left, and given up on at close, is the newest 100.
    expect(undelivered.map((e) => (e.payload as { n: number }).n)).toEqual(
      Array.from({ length: 100 }, (_, i) => 150 + i),
    );
    expect(client.stats()).toMatchObject({ queued: 0, sent: 0, dropped: 150, undelivered: 100 });
  });
});

describe('reading', () => {
  it('lists the jobs, waits for one to finish, and reads its results, with the read key', async () => {
    const client = createClient({ baseUrl: bases.main, key: keys.write, readKey: keys.read });
    client.track({ type: 'Signed_Up', payload: { n: -1 } });
    client.track({ type: 'signed_up', payload: { n: -2 } });
    await client.flush();
    const page = await client.listJobs({ limit: 1 });
    expect(page.jobs).toHaveLength(1);
    const job = await client.waitForJob(page.jobs[0]!.jobId, { timeoutMs: 30_000 });
    expect(job.status).toBe('Succeeded');
    const results = await client.getResults(job.jobId);
    expect(results.results).toEqual([expect.objectContaining({ eventType: 'Signed_Up', count: 2 })]);
    let seen = 0;
    for await (const listed of client.jobs({ limit: 2, status: 'Succeeded' })) {
      expect(listed.status).toBe('Succeeded');
      seen += 1;
    }
    expect(seen).toBeGreaterThan(1);
    const unknown = client.getJob('00000000-0000-0000-0000-000000000000');
    await expect(unknown).rejects.toBeInstanceOf(IngestApiError);
    await expect(unknown).rejects.toMatchObject({ status: 404 });
    await client.close();
  });

  it('lists the jobs of its tenantId without keys, where nothing else names the tenant', async () => {
    const client = createClient({ baseUrl: bases.open, tenantId: 'open-acme' });
    client.track({ type: 'clicked' });
    await client.flush();
    const [job] = (await client.listJobs({ limit: 1 })).jobs;
    expect(job).toMatchObject({ tenantId: 'open-acme' });
    expect((await client.waitForJob(job!.jobId, { timeoutMs: 30_000 })).status).toBe('Succeeded');
    // A tenantId in the query wins: it is the caller's to choose without keys.
    expect((await client.listJobs({ tenantId: 'nobody' })).jobs).toEqual([]);
    await client.close();
  });
});
