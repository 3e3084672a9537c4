import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { buildTestApp, event, testAppPool } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// `Prefer: wait` bounded: a wait ends when its request closes (no read for a client that left), waits
// are capped per process and per tenant, and a wait ends when its key is revoked.
const db = useTestDatabase();
let pool: Pool;

beforeAll(() => {
  pool = db.createPool(4);
});

afterAll(async () => {
  await pool.end();
});

/** Counts the job reads (the status route's statements) the app's own pool runs from now on. */
function countReads(app: FastifyInstance): { reads: () => number; reset: () => void } {
  const appPool = testAppPool(app);
  const query = appPool.query.bind(appPool) as (...args: unknown[]) => unknown;
  let reads = 0;
  appPool.query = ((...args: unknown[]) => {
    const name = (args[0] as { name?: string } | undefined)?.name;
    if (name === 'jobFind' || name === 'jobFindForTenant') reads += 1;
    return query(...args);
  }) as typeof appPool.query;
  return { reads: () => reads, reset: () => (reads = 0) };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function submit(app: FastifyInstance, tenantId: string, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers,
    payload: { tenantId, events: [event()] },
  });
  expect(response.statusCode).toBe(202);
  return response.json<{ jobId: string }>().jobId;
}

async function finishAll(): Promise<void> {
  const claimed = await jobsClaim(pool, 'test-worker', 1000, 30);
  await jobsSucceed(
    pool,
    'test-worker',
    claimed.map((job) => job.id),
  );
}

describe('Prefer: wait, bounded', () => {
  it('ends a wait when its client goes away: no read is made for it when the job finishes', async () => {
    const app = await buildTestApp(db, {
      PREFER_WAIT_MAX_REQUESTS: '20',
      PREFER_WAIT_TENANT_MAX_REQUESTS: '20',
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const counter = countReads(app);
      const ids = await Promise.all(Array.from({ length: 20 }, () => submit(app, 'abandoned')));
      const requests: ClientRequest[] = ids.map((id) => {
        const request = httpRequest({
          port,
          host: '127.0.0.1',
          path: `/v1/ingestions/${id}`,
          headers: { prefer: 'wait=60' },
        });
        request.on('error', () => undefined);
        request.end();
        return request;
      });
      // Each waiting request has read its job twice: before it registered, and once registered.
      await until(() => counter.reads() >= 2 * ids.length, 'every request waits');
      for (const request of requests) request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Their places are free: the cap is 20, and another request waits (its 1 s).
      const another = await app.inject({
        method: 'GET',
        url: `/v1/ingestions/${ids[0]}`,
        headers: { prefer: 'wait=1' },
      });
      expect(another.json()).toMatchObject({ status: 'Pending' });
      counter.reset();
      await finishAll();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(counter.reads(), 'reads for waits whose clients had gone').toBe(0);
    } finally {
      await app.close();
    }
  });

  it('caps waiting requests per tenant (429) and per process (503), each with Retry-After', async () => {
    const app = await buildTestApp(db, {
      PREFER_WAIT_MAX_REQUESTS: '4',
      PREFER_WAIT_TENANT_MAX_REQUESTS: '2',
    });
    try {
      const counter = countReads(app);
      // Those to be refused ask for 10 s only: without the caps, they would answer 200 after it.
      const wait = (id: string, seconds = 60) =>
        app.inject({ method: 'GET', url: `/v1/ingestions/${id}`, headers: { prefer: `wait=${seconds}` } });
      const busy = await Promise.all(Array.from({ length: 3 }, () => submit(app, 'busy')));
      const waiting = busy.slice(0, 2).map((id) => wait(id));
      await until(() => counter.reads() >= 4, 'two requests wait');
      const third = await wait(busy[2]!, 10);
      expect(third.statusCode).toBe(429);
      expect(third.headers['retry-after']).toBe('1');
      expect(third.json()).toMatchObject({ title: 'Too many waiting requests' });
      expect(third.json<{ detail: string }>().detail).toMatch(/PREFER_WAIT_TENANT_MAX_REQUESTS=2/);
      // Another tenant still waits, up to the process's cap of four.
      const others = await Promise.all(['a', 'b', 'c'].map((tenant) => submit(app, `other-${tenant}`)));
      waiting.push(wait(others[0]!), wait(others[1]!));
      await until(() => counter.reads() >= 9, 'four requests wait');
      const fifth = await wait(others[2]!, 10);
      expect(fifth.statusCode).toBe(503);
      expect(fifth.headers['retry-after']).toBe('1');
      expect(fifth.json<{ detail: string }>().detail).toMatch(/PREFER_WAIT_MAX_REQUESTS=4/);
      // A request without the preference is never refused.
      expect((await app.inject({ method: 'GET', url: `/v1/ingestions/${others[2]}` })).statusCode).toBe(200);
      await finishAll();
      const answers = await Promise.all(waiting);
      expect(answers.map((answer) => answer.json<{ status: string }>().status)).toEqual(
        Array(4).fill('Succeeded'),
      );
      // Their places are free again.
      expect((await wait(busy[2]!)).json()).toMatchObject({ status: 'Succeeded' });
    } finally {
      await app.close();
    }
  });

  it('ends a wait whose key is revoked, with a 401, within about a second', async () => {
    const app = await buildTestApp(db, { AUTH_MODE: 'keys' });
    try {
      const key = async (kind: string) => {
        const outcome = await runKeysCommand(pool, ['create', '--tenant', 'revoked', '--kind', kind]);
        expect(outcome.exitCode).toBe(0);
        return outcome.stdout.at(-1)!;
      };
      const write = await key('write');
      const read = await key('read');
      const jobId = await submit(app, 'revoked', { authorization: `Bearer ${write}` });
      const waiting = app.inject({
        method: 'GET',
        url: `/v1/ingestions/${jobId}`,
        headers: { prefer: 'wait=60', authorization: `Bearer ${read}` },
      });
      // A tenant's reads run on a client of the pool, in its scope: nothing to count; give it time.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await runKeysCommand(pool, ['revoke', read])).exitCode).toBe(0);
      const revokedAt = Date.now();
      const answer = await Promise.race([
        waiting,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 15_000)),
      ]);
      expect(answer, 'still waiting 15 s after the revocation').toBeDefined();
      expect(answer!.statusCode).toBe(401);
      expect(answer!.json<{ detail: string }>().detail).toMatch(
        /revoked or expired while the request waited/,
      );
      expect(Date.now() - revokedAt).toBeLessThan(5000);
    } finally {
      await app.close();
    }
  });
});
