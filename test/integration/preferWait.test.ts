import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJobCancel } from '../../src/data/adminJobActions.js';
import { jobsClaim, jobsFail, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { maxPreferWaitSeconds, preferredWaitSeconds } from '../../src/domain/preferWait.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let app: FastifyInstance;
let pool: Pool;

beforeAll(async () => {
  app = await buildTestApp(db);
  pool = db.createPool(4);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

async function submit(tenantId = 'wait'): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    payload: { tenantId, events: [event(), event({ type: 'Clicked' })] },
  });
  expect(response.statusCode).toBe(202);
  return response.json<{ jobId: string }>().jobId;
}

function getStatus(jobId: string, prefer?: string) {
  return app.inject({
    method: 'GET',
    url: `/v1/ingestions/${jobId}`,
    headers: prefer === undefined ? {} : { prefer },
  });
}

/** Waits until `count` requests wait on the API's LISTEN connection (they registered after reading). */
async function untilWaiting(jobIds: readonly string[]): Promise<void> {
  // Nothing to observe from outside but time: each waiting request has read the job twice. Give the
  // event loop turns until the inject calls have all reached their wait.
  for (let i = 0; i < 50; i += 1) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 300 + jobIds.length));
}

describe('Prefer: wait', () => {
  it('parses the wait preference as RFC 7240 writes it, capped at 60 s, ignoring what it cannot read', () => {
    expect(preferredWaitSeconds(undefined)).toBeUndefined();
    expect(preferredWaitSeconds('wait=10')).toBe(10);
    expect(preferredWaitSeconds('respond-async, wait=5')).toBe(5);
    expect(preferredWaitSeconds('WAIT = 7 ; foo=bar')).toBe(7);
    expect(preferredWaitSeconds('wait="3"')).toBe(3);
    expect(preferredWaitSeconds(['return=minimal', 'wait=2'])).toBe(2);
    expect(preferredWaitSeconds('wait=3600')).toBe(maxPreferWaitSeconds);
    expect(preferredWaitSeconds('wait=soon')).toBeUndefined();
    expect(preferredWaitSeconds('wait=-1')).toBeUndefined();
    expect(preferredWaitSeconds('handling=lenient')).toBeUndefined();
  });

  it('answers as soon as the job Succeeds, woken by the completion statement (not at the end of the wait)', async () => {
    const jobId = await submit();
    // 60 s is the test's own time-out: only the notification can end this wait before the test fails.
    const waiting = getStatus(jobId, 'wait=60');
    await untilWaiting([jobId]);
    const claimed = await jobsClaim(pool, 'test-worker', 10, 30);
    expect(claimed.map((job) => job.id)).toContain(jobId);
    await jobsSucceed(
      pool,
      'test-worker',
      claimed.map((job) => job.id),
    );
    const response = await waiting;
    expect(response.statusCode).toBe(200);
    expect(response.headers['preference-applied']).toBe('wait=60');
    expect(response.json()).toMatchObject({ jobId, status: 'Succeeded', attempt: 1 });
  });

  it('wakes a waiter when the job Fails for good, not when a failed attempt will be retried', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/ingestions',
      payload: { tenantId: 'wait-fail', events: [event()] },
    });
    const jobId = response.json<{ jobId: string }>().jobId;
    await pool.query('UPDATE ingestion_jobs SET max_attempts = 2 WHERE id = $1', [jobId]);
    const waiting = getStatus(jobId, 'wait=60');
    let answered = false;
    void waiting.then(() => (answered = true));
    await untilWaiting([jobId]);

    let [claimed] = await jobsClaim(pool, 'test-worker', 1, 30);
    expect(claimed!.id).toBe(jobId);
    expect(await jobsFail(pool, 'test-worker', [{ id: jobId, error: 'first', backoffSeconds: 0 }])).toEqual([
      { id: jobId, status: 'Pending' },
    ]);
    await untilWaiting([jobId]);
    expect(answered).toBe(false);

    [claimed] = await jobsClaim(pool, 'test-worker', 1, 30);
    expect(claimed!.id).toBe(jobId);
    await jobsFail(pool, 'test-worker', [{ id: jobId, error: 'second and last', backoffSeconds: 0 }]);
    const answer = await waiting;
    expect(answer.json()).toMatchObject({ status: 'Failed', error: 'second and last', attempt: 2 });
  });

  it('wakes a waiter when an operator cancels the job', async () => {
    const jobId = await submit('wait-cancel');
    const waiting = getStatus(jobId, 'wait=60');
    await untilWaiting([jobId]);
    expect(await adminJobCancel(pool, jobId)).toBe(true);
    expect((await waiting).json()).toMatchObject({ status: 'Failed', error: 'cancelled by an operator' });
  });

  it('answers with the current state after N seconds when the job has not finished', async () => {
    const jobId = await submit('wait-timeout');
    const response = await getStatus(jobId, 'wait=1');
    expect(response.headers['preference-applied']).toBe('wait=1');
    expect(response.json()).toMatchObject({ status: 'Pending' });
  });

  it('answers a finished job at once, and a request without the preference as before', async () => {
    const jobId = await submit('wait-plain');
    const plain = await getStatus(jobId);
    expect(plain.headers['preference-applied']).toBeUndefined();
    expect(plain.json()).toMatchObject({ status: 'Pending' });
    const unreadable = await getStatus(jobId, 'wait=later');
    expect(unreadable.headers['preference-applied']).toBeUndefined();
    expect(unreadable.statusCode).toBe(200);
  });

  it('holds a thousand waiting requests on one LISTEN connection and wakes them all with one statement', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(`wait-many-${i}`)));
    // Arriving in waves of 100, as clients do; a thousand first reads at the same instant would queue for
    // the pool's 10 connections like any other burst of reads.
    const waiting: Array<ReturnType<typeof getStatus>> = [];
    for (let wave = 0; wave < 10; wave += 1) {
      for (let i = 0; i < 100; i += 1)
        waiting.push(getStatus(ids[(wave * 100 + i) % ids.length]!, 'wait=60'));
      await untilWaiting(ids);
    }
    const { rows } = await pool.query<{ count: string }>(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'ingest-api-listen'",
    );
    expect(Number(rows[0]!.count)).toBe(1);
    const claimed = await jobsClaim(pool, 'test-worker', 100, 30);
    await jobsSucceed(
      pool,
      'test-worker',
      claimed.map((job) => job.id),
    );
    const answers = await Promise.all(waiting);
    expect(
      answers.map((answer) => answer.json<{ status: string }>().status).filter((s) => s !== 'Succeeded'),
    ).toEqual([]);
  });

  it('lets waiting requests answer at once when the API stops', async () => {
    const other = await buildTestApp(db);
    const created = await other.inject({
      method: 'POST',
      url: '/v1/ingestions',
      payload: { tenantId: 'wait-stop', events: [event()] },
    });
    const jobId = created.json<{ jobId: string }>().jobId;
    const waiting = other.inject({
      method: 'GET',
      url: `/v1/ingestions/${jobId}`,
      headers: { prefer: 'wait=60' },
    });
    await untilWaiting([jobId]);
    await other.close();
    expect((await waiting).json()).toMatchObject({ status: 'Pending' });
  });
});
