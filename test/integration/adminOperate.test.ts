// The operators' admin API on a real PostgreSQL, through the app as the API process builds it: pauses
// and what the claim does with them, run now, cancelling a Processing job (fenced like a completion),
// bulk cancel, the tenant list, the worker list and the history of finished jobs. The same parts over
// HTTP against real API and worker processes: operateProcesses.test.ts.
import pg from 'pg';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedHoursRead, finishedHoursRollUp } from '../../src/data/jobHistory.js';
import {
  jobsCancelledFind,
  jobsClaim,
  jobsFail,
  jobsHeartbeat,
  jobsSucceed,
} from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { workerAnnounce, workersPrune } from '../../src/data/workerRegistry.js';
import { insertJob } from '../support/jobs.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let app: FastifyInstance;
let readOnlyApp: FastifyInstance;
let pool: Pool;

beforeAll(async () => {
  app = await buildTestApp(db, { HOST: '127.0.0.1' });
  readOnlyApp = await buildTestApp(db, { HOST: '127.0.0.1', DASHBOARD_READ_ONLY: 'true' });
  pool = db.createPool(4);
});
afterAll(async () => {
  await Promise.all([app.close(), readOnlyApp.close()]);
  await pool.end();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const get = async (url: string): Promise<Json> => {
  const response = await app.inject({ method: 'GET', url });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};
const post = (url: string, body?: unknown, on = app) =>
  on.inject({
    method: 'POST',
    url,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) }),
  });
function expectProblem(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.json() as { title: string; detail: string; errors?: Record<string, string[]> };
}
const jobs = (tenantId: string, count: number) =>
  Promise.all(Array.from({ length: count }, () => insertJob(pool, undefined, { tenantId })));
const statusOf = async (id: string) => (await get(`/admin/jobs/${id}`)).status as string;

/** Claims everything due (as worker `owner`) and completes it, so no test's jobs linger for the next. */
async function drain(owner = 'drain-worker'): Promise<string[]> {
  const claimed = await jobsClaim(pool, owner, 1000, 30);
  await jobsSucceed(
    pool,
    owner,
    claimed.map((job) => job.id),
  );
  return claimed.map((job) => job.id);
}

/** Resolves with the payloads of `channel` received while `during` runs (and shortly after). */
async function notifications(channel: string, during: () => Promise<void>): Promise<string[]> {
  const client = new pg.Client({ ...db.listenConfig, ssl: false });
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (message) => payloads.push(message.payload ?? ''));
  await client.query(`LISTEN ${channel}`);
  try {
    await during();
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    await client.end();
  }
  return payloads;
}

describe('pausing a tenant', () => {
  it('accepts its jobs and keeps them Pending: no claim takes them, even the oldest, until it is resumed', async () => {
    const first = (await post('/admin/tenants/pause-a/pause')).json();
    expect(first).toEqual({ tenantId: 'pause-a', paused: true, pausedAt: expect.any(String) });
    // Pausing again changes nothing, not even the time.
    expect((await post('/admin/tenants/pause-a/pause')).json()).toEqual(first);

    // The paused tenant's jobs are the oldest due and more than a batch: neither the shares nor the fill
    // of the claim may take any.
    const paused = await jobs('pause-a', 60);
    const others = await jobs('pause-b', 3);
    const claimed = await jobsClaim(pool, 'w1', 50, 30);
    expect(claimed.map((job) => job.id).sort()).toEqual([...others].sort());
    await jobsSucceed(pool, 'w1', others);
    expect(await jobsClaim(pool, 'w1', 50, 30)).toEqual([]);

    const job = await get(`/admin/jobs/${paused[0]}`);
    expect(job).toMatchObject({
      status: 'Pending',
      tenantPausedAt: first.pausedAt,
      processingPausedAt: null,
    });
    expect((await get('/admin/overview')).paused.tenants).toBe(1);
    const listed = await get('/admin/tenants?paused=true');
    expect(listed.tenants).toEqual([
      expect.objectContaining({ tenantId: 'pause-a', pending: 60, pausedAt: first.pausedAt }),
    ]);

    // Resuming wakes the workers (the channel they LISTEN on) and the jobs are claimed again.
    const woken = await notifications('ingestion_jobs_created', async () => {
      expect((await post('/admin/tenants/pause-a/resume')).json()).toEqual({
        tenantId: 'pause-a',
        paused: false,
        pausedAt: null,
      });
    });
    expect(woken.length).toBeGreaterThan(0);
    expect((await drain()).sort()).toEqual([...paused].sort());
    // Resuming a tenant that is not paused changes nothing and wakes no one.
    const quiet = await notifications('ingestion_jobs_created', async () => {
      expect((await post('/admin/tenants/pause-a/resume')).statusCode).toBe(200);
    });
    expect(quiet).toEqual([]);
  });

  it('pauses a tenant with no job yet, with any characters in its id, and refuses a blank one', async () => {
    const tenantId = 'odd/tenant?x=1#frag <b>';
    const answer = (await post(`/admin/tenants/${encodeURIComponent(tenantId)}/pause`)).json();
    expect(answer).toMatchObject({ tenantId, paused: true });
    const one = await get(`/admin/tenants?tenant=${encodeURIComponent(tenantId)}`);
    expect(one.tenants).toEqual([
      {
        tenantId,
        pending: 0,
        processing: 0,
        failedLast24h: 0,
        finishedLastHour: 0,
        oldestPendingAt: null,
        oldestPendingAgeSeconds: null,
        pausedAt: answer.pausedAt,
      },
    ]);
    await post(`/admin/tenants/${encodeURIComponent(tenantId)}/resume`);
    expect(expectProblem(await post('/admin/tenants/%20%20/pause'), 400).errors).toEqual({
      tenantId: ['tenantId is required'],
    });
  });
});

describe('pausing processing', () => {
  it('stops every claim until resumed, and shows in the overview and on each job', async () => {
    const answer = (await post('/admin/processing/pause')).json();
    expect(answer).toEqual({ paused: true, pausedAt: expect.any(String) });
    try {
      const waiting = await jobs('processing-paused', 2);
      expect(await jobsClaim(pool, 'w1', 50, 30)).toEqual([]);
      expect((await get('/admin/overview')).paused.processingPausedAt).toBe(answer.pausedAt);
      expect((await get(`/admin/jobs/${waiting[0]}`)).processingPausedAt).toBe(answer.pausedAt);
    } finally {
      expect((await post('/admin/processing/resume')).json()).toEqual({ paused: false, pausedAt: null });
    }
    expect(await drain()).toHaveLength(2);
    expect((await get('/admin/overview')).paused.processingPausedAt).toBeNull();
  });

  it('refuses every pause, resume, run now and cancel in read-only mode', async () => {
    const [pending] = await jobs('read-only-operate', 1);
    for (const url of [
      '/admin/tenants/x/pause',
      '/admin/tenants/x/resume',
      '/admin/processing/pause',
      '/admin/processing/resume',
      `/admin/jobs/${pending}/run-now`,
      `/admin/jobs/${pending}/cancel`,
    ]) {
      expect(expectProblem(await post(url, undefined, readOnlyApp), 403).detail).toMatch(
        /DASHBOARD_READ_ONLY/,
      );
    }
    expectProblem(await post('/admin/jobs/cancel', {}, readOnlyApp), 403);
    expect((await get('/admin/overview')).paused).toEqual({ processingPausedAt: null, tenants: 0 });
    expect(await statusOf(pending!)).toBe('Pending');
    await drain();
  });
});

describe('run now', () => {
  it('makes a job waiting out its backoff due at once, and never moves a due job later', async () => {
    const [id] = await jobs('run-now', 1);
    const [claimed] = await jobsClaim(pool, 'w1', 1, 30);
    expect(claimed!.id).toBe(id);
    await jobsFail(pool, 'w1', [{ id: id!, error: 'boom', backoffSeconds: 300 }]);
    const waiting = await get(`/admin/jobs/${id}`);
    expect(Date.parse(waiting.availableAt) - Date.now()).toBeGreaterThan(250_000);
    expect(await jobsClaim(pool, 'w1', 50, 30)).toEqual([]);

    const woken = await notifications('ingestion_jobs_created', async () => {
      expect((await post(`/admin/jobs/${id}/run-now`)).json()).toEqual({ jobId: id, status: 'Pending' });
    });
    expect(woken.length).toBeGreaterThan(0);
    const due = await get(`/admin/jobs/${id}`);
    expect(Date.parse(due.availableAt)).toBeLessThanOrEqual(Date.now());
    expect(due.attempt).toBe(1);
    // Run now again: already due, it keeps its place.
    await post(`/admin/jobs/${id}/run-now`);
    expect((await get(`/admin/jobs/${id}`)).availableAt).toBe(due.availableAt);
    expect((await jobsClaim(pool, 'w1', 50, 30)).map((job) => job.id)).toEqual([id]);
    await jobsSucceed(pool, 'w1', [id!]);
  });

  it('refuses a job that is not Pending, an unknown one and an id that is not one', async () => {
    const [id] = await jobs('run-now-refused', 1);
    await drain();
    expect(expectProblem(await post(`/admin/jobs/${id}/run-now`), 409).detail).toMatch(
      /Only a Pending job can be run now; this one is Succeeded/,
    );
    expectProblem(await post('/admin/jobs/00000000-0000-7000-8000-000000000000/run-now'), 404);
    expectProblem(await post('/admin/jobs/not-a-job/run-now'), 400);
  });
});

describe('cancelling a Processing job', () => {
  it('takes it from its worker: Failed once, the worker can record nothing and learns why', async () => {
    const [id] = await jobs('cancel-running', 1);
    expect((await jobsClaim(pool, 'w-cancel', 1, 30))[0]!.id).toBe(id);
    expect(await statusOf(id!)).toBe('Processing');

    expect((await post(`/admin/jobs/${id}/cancel`)).json()).toEqual({ jobId: id, status: 'Failed' });
    const job = await get(`/admin/jobs/${id}`);
    expect(job).toMatchObject({ status: 'Failed', error: 'cancelled by an operator', lockedBy: null });
    expect(job.cancelledAt).toEqual(expect.any(String));
    expect(job.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'cancelled',
        worker: 'w-cancel',
        error: 'cancelled by an operator',
      }),
    ]);

    // The worker's renewal no longer keeps it; asked why, the database says: cancelled, by this worker's
    // attempt (another worker's question finds nothing).
    expect(await jobsHeartbeat(pool, 'w-cancel', [id!], 30)).toEqual(new Set());
    expect(await jobsCancelledFind(pool, 'w-cancel', [id!])).toEqual(new Set([id]));
    expect(await jobsCancelledFind(pool, 'w-other', [id!])).toEqual(new Set());
    // Its completion is fenced off: no result is ever written, the status stays.
    expect(await jobsSucceed(pool, 'w-cancel', [id!])).toEqual(new Set());
    const results = await app.inject({ method: 'GET', url: `/v1/results/${id}` });
    expect(results.json()).toMatchObject({ status: 'Failed', results: [] });
    expect((await get(`/admin/jobs/${id}`)).attempts).toHaveLength(1);
    expectProblem(await post(`/admin/jobs/${id}/cancel`), 409);
  });

  it('decides each race between a cancel and a completion once: either cancelled or succeeded with results', async () => {
    const ids = await jobs('cancel-race', 20);
    const claimed = await jobsClaim(pool, 'w-race', 20, 30);
    expect(claimed).toHaveLength(20);
    const [cancels, succeeded] = await Promise.all([
      Promise.all(ids.map((id) => post(`/admin/jobs/${id}/cancel`))),
      jobsSucceed(pool, 'w-race', ids),
    ]);
    const { rows } = await pool.query<{
      id: string;
      status: string;
      cancelled: boolean;
      results: number;
      entries: number;
    }>(
      `SELECT j.id, j.status, j.cancelled_at IS NOT NULL AS cancelled, jsonb_array_length(j.attempts) AS entries,
              (SELECT count(*) FROM ingestion_results AS r WHERE r.job_id = j.id)::integer AS results
       FROM ingestion_jobs AS j WHERE j.id = ANY ($1::uuid[])`,
      [ids],
    );
    for (const [index, id] of ids.entries()) {
      const row = rows.find((r) => r.id === id)!;
      expect(row.entries).toBe(1);
      if (succeeded.has(id)) {
        expect(row).toMatchObject({ status: 'Succeeded', cancelled: false, results: 1 });
        expect(cancels[index]!.statusCode).toBe(409);
      } else {
        expect(row).toMatchObject({ status: 'Failed', cancelled: true, results: 0 });
        expect(cancels[index]!.statusCode).toBe(200);
      }
    }
  });
});

describe('POST /admin/jobs/cancel', () => {
  it('cancels the Pending and Processing jobs a filter matches, in batches, and announces each', async () => {
    const pending = await jobs('bulk-cancel', 5);
    const running = (await jobsClaim(pool, 'w-bulk', 2, 30)).map((job) => job.id);
    const other = await jobs('bulk-cancel-other', 1);
    expect(
      (await post('/admin/jobs/cancel', { tenant: 'bulk-cancel', status: 'Processing' })).json(),
    ).toEqual({ cancelled: 2, batches: 1, complete: true });
    expect(await jobsHeartbeat(pool, 'w-bulk', running, 30)).toEqual(new Set());
    expect(await jobsCancelledFind(pool, 'w-bulk', running)).toEqual(new Set(running));
    expect((await post('/admin/jobs/cancel', { tenant: 'bulk-cancel' })).json()).toEqual({
      cancelled: 3,
      batches: 1,
      complete: true,
    });
    for (const id of pending) expect(await statusOf(id)).toBe('Failed');
    expect(await statusOf(other[0]!)).toBe('Pending');

    // 1,100 jobs: three statements of 500, and every id announced to `Prefer: wait` in notifications
    // small enough for PostgreSQL (8,000 bytes).
    await pool.query(
      `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
       SELECT gen_random_uuid(), 'bulk-cancel-many', 5, 1 FROM generate_series(1, 1100)`,
    );
    let answer: Json = {};
    const finished = await notifications('ingestion_jobs_finished', async () => {
      answer = (await post('/admin/jobs/cancel', { tenant: 'bulk-cancel-many', status: 'Pending' })).json();
    });
    expect(answer).toEqual({ cancelled: 1100, batches: 3, complete: true });
    const announced = finished.flatMap((payload) => payload.split(','));
    expect(new Set(announced).size).toBe(1100);
    expect(Math.max(...finished.map((payload) => payload.length))).toBeLessThan(8000);
    await drain();
  });

  it('refuses a status other than Pending or Processing and an invalid filter', async () => {
    expect(expectProblem(await post('/admin/jobs/cancel', { status: 'Failed' }), 400).errors).toEqual({
      status: ['expected Pending, Processing or Pending,Processing'],
    });
    expect(expectProblem(await post('/admin/jobs/cancel', { from: 'yesterday' }), 400).errors).toHaveProperty(
      'from',
    );
  });
});

describe('GET /admin/tenants', () => {
  it('lists every tenant by backlog, then the rest by id, page by page without a gap or a repeat', async () => {
    await drain();
    const [finished] = await jobs('tl-c', 1);
    await drain();
    // tl-b: 7 jobs, one of them Processing and one Failed (permanently), so 5 remain Pending.
    await jobs('tl-b', 7);
    const [b1, b2] = (await jobsClaim(pool, 'w-tl', 2, 30)).map((j) => j.id);
    await jobsFail(pool, 'w-tl', [{ id: b2!, error: 'no', backoffSeconds: 0, permanent: true }]);
    await jobs('tl-e', 5);
    await jobs('tl-a', 3);
    await post('/admin/tenants/tl-d/pause');
    expect(await statusOf(finished!)).toBe('Succeeded');

    const seen: Json[] = [];
    let cursor = '';
    for (let page = 0; page < 100; page += 1) {
      const body = await get(`/admin/tenants?limit=2${cursor}`);
      expect(body.tenants.length).toBeLessThanOrEqual(2);
      seen.push(...body.tenants);
      if (!body.nextCursor) break;
      cursor = `&cursor=${body.nextCursor}`;
    }
    const names = seen.map((t) => t.tenantId);
    expect(new Set(names).size).toBe(names.length);
    const withBacklog = seen.filter((t) => t.pending > 0);
    const rest = seen.slice(withBacklog.length);
    expect(rest.every((t) => t.pending === 0)).toBe(true);
    expect(withBacklog.map((t) => [t.pending, t.tenantId])).toEqual(
      [...withBacklog]
        .sort((x, y) => y.pending - x.pending || (x.tenantId < y.tenantId ? -1 : 1))
        .map((t) => [t.pending, t.tenantId]),
    );
    expect(rest.map((t) => t.tenantId)).toEqual([...rest.map((t) => t.tenantId)].sort());
    const byName = Object.fromEntries(seen.map((t) => [t.tenantId, t]));
    expect(names).toEqual(expect.arrayContaining(['tl-a', 'tl-b', 'tl-c', 'tl-d', 'tl-e', 'pause-a']));
    // Equal backlogs go by tenant id.
    expect(names.indexOf('tl-b')).toBeLessThan(names.indexOf('tl-e'));
    expect(names.indexOf('tl-e')).toBeLessThan(names.indexOf('tl-a'));
    expect(byName['tl-e']).toMatchObject({ pending: 5, processing: 0 });
    expect(byName['tl-a']).toMatchObject({ pending: 3 });
    expect(byName['tl-b']).toMatchObject({
      pending: 5,
      processing: 1,
      failedLast24h: 1,
      finishedLastHour: 1,
    });
    expect(byName['tl-b']!.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(byName['tl-c']).toMatchObject({ pending: 0, finishedLastHour: 1, oldestPendingAt: null });
    expect(byName['tl-d']).toMatchObject({ pending: 0, pausedAt: expect.any(String) });
    await jobsSucceed(pool, 'w-tl', [b1!]);
    await post('/admin/tenants/tl-d/resume');
    await drain();
  });

  it('refuses a cursor it did not give, one of another list, and a page size out of range', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/admin/tenants?cursor=nonsense' }), 400);
    await post('/admin/tenants/tl-p1/pause');
    await post('/admin/tenants/tl-p2/pause');
    const paused = await get('/admin/tenants?paused=true&limit=1');
    expect(paused.nextCursor).toEqual(expect.any(String));
    expectProblem(
      await app.inject({ method: 'GET', url: `/admin/tenants?cursor=${paused.nextCursor}` }),
      400,
    );
    expect((await get(`/admin/tenants?paused=true&limit=1&cursor=${paused.nextCursor}`)).tenants).toEqual([
      expect.objectContaining({ tenantId: 'tl-p2' }),
    ]);
    expectProblem(await app.inject({ method: 'GET', url: '/admin/tenants?limit=0' }), 400);
    expectProblem(await app.inject({ method: 'GET', url: '/admin/tenants?limit=201' }), 400);
    await post('/admin/tenants/tl-p1/resume');
    await post('/admin/tenants/tl-p2/resume');
  });
});

describe('GET /admin/workers', () => {
  it('lists live workers first, then those gone quiet or stopped recently, with the jobs they still hold', async () => {
    const announce = (id: string, stopping = false) =>
      workerAnnounce(pool, {
        id,
        host: 'host-1',
        pid: 4242,
        version: '9.9.9',
        concurrency: 3,
        jobsInHand: 2,
        announceSeconds: 5,
        stopping,
      });
    await announce('live-worker');
    await announce('stopped-worker');
    await announce('stopped-worker', true);
    await announce('gone-worker');
    await announce('old-worker');
    await pool.query(
      `UPDATE worker_processes SET heartbeat_at = now() - interval '30 seconds' WHERE id = 'gone-worker';
       UPDATE worker_processes SET heartbeat_at = now() - interval '2 hours' WHERE id = 'old-worker';
       UPDATE worker_processes SET heartbeat_at = now() - interval '2 days' WHERE id = 'ancient-worker'`,
    );
    const [held] = await jobs('workers', 1);
    await jobsClaim(pool, 'gone-worker', 1, 30);

    const { workers } = await get('/admin/workers');
    expect(workers.map((w: Json) => [w.workerId, w.state])).toEqual([
      ['live-worker', 'live'],
      ['stopped-worker', 'stopped'],
      ['gone-worker', 'gone'],
    ]);
    expect(workers[0]).toMatchObject({
      host: 'host-1',
      pid: 4242,
      version: '9.9.9',
      concurrency: 3,
      jobsInHand: 2,
      leasedJobs: 0,
      stoppedAt: null,
    });
    expect(workers[0].lastHeartbeatAgeSeconds).toBeLessThan(5);
    expect(workers[2]).toMatchObject({ leasedJobs: 1 });
    expect(workers[2].lastHeartbeatAgeSeconds).toBeGreaterThanOrEqual(30);

    await pool.query(
      `UPDATE worker_processes SET heartbeat_at = now() - interval '2 days' WHERE id = 'old-worker'`,
    );
    expect(await workersPrune(pool, 86_400)).toBe(1);
    await jobsSucceed(pool, 'gone-worker', [held!]);
  });
});

describe('the history of finished jobs', () => {
  it('counts the jobs finished per hour by outcome with p50 and p95, alike from the jobs and the rollup', async () => {
    await drain();
    // 10 jobs that finished three hours ago, taking 1 to 10 s from acceptance; one Failed, one cancelled.
    const ids = await jobs('history', 10);
    await drain();
    await pool.query(
      `WITH numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ingestion_jobs WHERE id = ANY ($1::uuid[]))
       UPDATE ingestion_jobs AS j
       SET processed_at = date_trunc('hour', now(), 'UTC') - interval '3 hours' + interval '10 minutes',
           created_at = date_trunc('hour', now(), 'UTC') - interval '3 hours' + interval '10 minutes'
                        - n.n * interval '1 second',
           status = CASE WHEN n.n IN (9, 10) THEN 'Failed' ELSE 'Succeeded' END,
           cancelled_at = CASE WHEN n.n = 10 THEN now() END
       FROM numbered AS n WHERE j.id = n.id`,
      [ids],
    );
    const live = await finishedHoursRead(pool, 168);
    expect(live).toHaveLength(168);
    const hour = live.at(-4)!;
    expect(hour).toMatchObject({ succeeded: 8, failed: 1, cancelled: 1 });
    // Nine jobs counted for the times (the cancelled one is the operator's): 1 to 9 s.
    expect(hour.p50Seconds).toBeCloseTo(5, 3);
    expect(hour.p95Seconds).toBeCloseTo(8.6, 3);

    // The 167 hours before the current one (166 in the first two minutes of an hour: the last one may
    // still receive completions).
    const written = await finishedHoursRollUp(pool, () => false);
    expect(written).toBeGreaterThanOrEqual(166);
    const { rows } = await pool.query<{ hours: number }>(
      'SELECT count(*)::integer AS hours FROM finished_jobs_hourly',
    );
    expect(rows[0]!.hours).toBe(written);
    // The hours rolled up read the same; a second rollup has nothing to do (or the hour that just ended).
    expect((await finishedHoursRead(pool, 168)).slice(0, -2)).toEqual(live.slice(0, -2));
    expect(await finishedHoursRollUp(pool, () => false)).toBeLessThanOrEqual(1);

    // A new app: an app shares one read of the history between overviews for a few seconds.
    const fresh = await buildTestApp(db, { HOST: '127.0.0.1' });
    const overview = (await fresh.inject({ method: 'GET', url: '/admin/overview' })).json();
    await fresh.close();
    expect(overview.perHour).toHaveLength(168);
    expect(overview.perHour.at(-4)).toMatchObject({ succeeded: 8, failed: 1, cancelled: 1, p50Seconds: 5 });
    expect(overview.perMinute[0]).toHaveProperty('p95Seconds');
  });
});
