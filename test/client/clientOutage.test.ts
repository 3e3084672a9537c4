// A stream of events sent with the client survives a database outage and a crash of the API (SIGKILL,
// then a new process on the same port) with no event lost and none stored twice: the client retries
// every batch with its own Idempotency-Key until it lands. On an embedded PostgreSQL of this test's own,
// stopped and started again on its port; never the machine's shared cluster.
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClientError } from '../../client/src/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded/embeddedPostgres.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { recordingFetch } from '../support/recordingFetch.js';

const dataDir = `.data/test-client-outage-${process.pid}`;
let server: EmbeddedPostgres | undefined;
let url: string;
let port: number;
const processes: ServiceProcess[] = [];

async function startApi(): Promise<ServiceProcess> {
  const api = startProcess('src/entry/api.ts', { DATABASE_URL: url, HOST: '127.0.0.1', PORT: String(port) });
  processes.push(api);
  await waitForOutput(api, /API listening/, 120_000);
  return api;
}

beforeAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  server = await startEmbeddedPostgres(dataDir, { port: await freePort() });
  url = `postgres://postgres@127.0.0.1:${server.database.port}/postgres`;
  port = await freePort();
  await startApi();
  const worker = startProcess('src/entry/worker.ts', {
    DATABASE_URL: url,
    RUN_MIGRATIONS_ON_STARTUP: 'false',
  });
  processes.push(worker);
  await waitForOutput(worker, /worker started/, 120_000);
}, 240_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop('SIGKILL')));
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}.log`, { force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a stream of events sent with the client', () => {
  it('loses none and stores none twice through a database outage and an API crash', async () => {
    const recorder = recordingFetch();
    const errors: ClientError[] = [];
    const client = createClient({
      baseUrl: `http://127.0.0.1:${port}`,
      tenantId: 'stream',
      maxBatchEvents: 50,
      flushIntervalMs: 100,
      maxRetries: 200,
      minRetryDelayMs: 200,
      maxRetryDelayMs: 2000,
      flushOnExit: false,
      fetch: recorder.fetch,
      onError: (error) => errors.push(error),
    });
    let sent = 0;
    let streaming = true;
    // 20 events every 100 ms, for as long as the faults take.
    const stream = (async () => {
      while (streaming) {
        for (let k = 0; k < 20; k += 1) client.track({ type: `t${k % 3}`, payload: { n: sent++ } });
        await sleep(100);
      }
    })();
    // Until a batch sent after `since` has been stored.
    const storedSince = async (since: number) => {
      while (!recorder.requests.some((r) => r.at > since && r.status === 202)) await sleep(50);
    };
    await sleep(2000);
    // The database goes away for 5 s under the stream (the client hears 503 and Retry-After: 5).
    await server!.stop();
    await sleep(5000);
    server = await startEmbeddedPostgres(dataDir, { port: server!.database.port });
    await storedSince(performance.now());
    // The API dies without a word and comes back on the same port (the client hears nothing, then
    // connection refused, until it is back).
    await processes[0]!.stop('SIGKILL');
    const killedAt = performance.now();
    processes[0] = await startApi();
    await storedSince(killedAt);
    await sleep(1000);
    streaming = false;
    await stream;
    await client.flush();
    await client.close();

    const statuses = new Map<number, number>();
    for (const request of recorder.requests)
      statuses.set(request.status, (statuses.get(request.status) ?? 0) + 1);
    console.log(
      `client stream: ${sent} events in ${recorder.requests.length} requests; answers ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `replayed ${recorder.requests.filter((r) => r.replayed).length}`,
    );
    expect(errors).toEqual([]);
    expect(client.stats()).toMatchObject({ sent, dropped: 0, rejected: 0, undelivered: 0 });
    // The faults reached the stream: the database's absence (503) and the API's (no answer).
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(0) ?? 0).toBeGreaterThan(0);

    const database = new pg.Client({ connectionString: url });
    await database.connect();
    try {
      const { rows } = await database.query<{ events: number; distinct_n: number; max_n: number }>(
        `SELECT count(*)::int AS events, count(DISTINCT (payload ->> 'n')::int)::int AS distinct_n,
                max((payload ->> 'n')::int) AS max_n
         FROM raw_events AS e JOIN ingestion_jobs AS j ON j.id = e.job_id AND j.created_at = e.accepted_at
         WHERE j.tenant_id = 'stream'`,
      );
      expect(rows[0]).toEqual({ events: sent, distinct_n: sent, max_n: sent - 1 });
    } finally {
      await database.end();
    }
  });
});
