// The operators' actions in the admin API on a real PostgreSQL, through the app as the API process
// builds it: pauses and what the claim does with them, run now, cancelling a Processing job (fenced like
// a completion) and bulk cancel. The views: adminViews.test.ts; the same over HTTP against real API and
// worker processes: operateProcesses.test.ts.
import { describe, expect, it } from 'vitest';
import {
  jobsCancelledFind,
  jobsClaim,
  jobsFail,
  jobsHeartbeat,
  jobsSucceed,
} from '../../src/data/jobQueue.js';
import { useAdminHarness, type Json } from '../support/adminHarness.js';

const h = useAdminHarness();
const { get, post, expectProblem, jobs, statusOf, drain, notifications } = h;

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
    const claimed = await jobsClaim(h.pool(), 'w1', 50, 30);
    expect(claimed.map((job) => job.id).sort()).toEqual([...others].sort());
    await jobsSucceed(h.pool(), 'w1', others);
    expect(await jobsClaim(h.pool(), 'w1', 50, 30)).toEqual([]);

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
      tenantId: ['must not be blank'],
    });
  });
});

describe('pausing processing', () => {
  it('stops every claim until resumed, and shows in the overview and on each job', async () => {
    const answer = (await post('/admin/processing/pause')).json();
    expect(answer).toEqual({ paused: true, pausedAt: expect.any(String) });
    try {
      const waiting = await jobs('processing-paused', 2);
      expect(await jobsClaim(h.pool(), 'w1', 50, 30)).toEqual([]);
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
      expect(expectProblem(await post(url, undefined, h.readOnlyApp()), 403).detail).toMatch(
        /DASHBOARD_READ_ONLY/,
      );
    }
    expectProblem(await post('/admin/jobs/cancel', {}, h.readOnlyApp()), 403);
    expect((await get('/admin/overview')).paused).toEqual({ processingPausedAt: null, tenants: 0 });
    expect(await statusOf(pending!)).toBe('Pending');
    await drain();
  });
});

describe('run now', () => {
  it('makes a job waiting out its backoff due at once, and never moves a due job later', async () => {
    const [id] = await jobs('run-now', 1);
    const [claimed] = await jobsClaim(h.pool(), 'w1', 1, 30);
    expect(claimed!.id).toBe(id);
    await jobsFail(h.pool(), 'w1', [{ id: id!, error: 'boom', backoffSeconds: 300 }]);
    const waiting = await get(`/admin/jobs/${id}`);
    expect(Date.parse(waiting.availableAt) - Date.now()).toBeGreaterThan(250_000);
    expect(await jobsClaim(h.pool(), 'w1', 50, 30)).toEqual([]);

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
    expect((await jobsClaim(h.pool(), 'w1', 50, 30)).map((job) => job.id)).toEqual([id]);
    await jobsSucceed(h.pool(), 'w1', [id!]);
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
    expect((await jobsClaim(h.pool(), 'w-cancel', 1, 30))[0]!.id).toBe(id);
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
    expect(await jobsHeartbeat(h.pool(), 'w-cancel', [id!], 30)).toEqual(new Set());
    expect(await jobsCancelledFind(h.pool(), 'w-cancel', [id!])).toEqual(new Set([id]));
    expect(await jobsCancelledFind(h.pool(), 'w-other', [id!])).toEqual(new Set());
    // Its completion is fenced off: no result is ever written, the status stays.
    expect(await jobsSucceed(h.pool(), 'w-cancel', [id!])).toEqual({ succeeded: new Set(), incomplete: [] });
    const results = await h.app().inject({ method: 'GET', url: `/v1/results/${id}` });
    expect(results.json()).toMatchObject({ status: 'Failed', results: [] });
    expect((await get(`/admin/jobs/${id}`)).attempts).toHaveLength(1);
    expectProblem(await post(`/admin/jobs/${id}/cancel`), 409);
  });

  it('decides each race between a cancel and a completion once: either cancelled or succeeded with results', async () => {
    const ids = await jobs('cancel-race', 20);
    const claimed = await jobsClaim(h.pool(), 'w-race', 20, 30);
    expect(claimed).toHaveLength(20);
    const [cancels, { succeeded }] = await Promise.all([
      Promise.all(ids.map((id) => post(`/admin/jobs/${id}/cancel`))),
      jobsSucceed(h.pool(), 'w-race', ids),
    ]);
    const { rows } = await h.pool().query<{
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
    const running = (await jobsClaim(h.pool(), 'w-bulk', 2, 30)).map((job) => job.id);
    const other = await jobs('bulk-cancel-other', 1);
    expect(
      (await post('/admin/jobs/cancel', { tenant: 'bulk-cancel', status: 'Processing' })).json(),
    ).toEqual({ cancelled: 2, batches: 2, complete: true });
    expect(await jobsHeartbeat(h.pool(), 'w-bulk', running, 30)).toEqual(new Set());
    expect(await jobsCancelledFind(h.pool(), 'w-bulk', running)).toEqual(new Set(running));
    expect((await post('/admin/jobs/cancel', { tenant: 'bulk-cancel' })).json()).toEqual({
      cancelled: 3,
      batches: 2,
      complete: true,
    });
    for (const id of pending) expect(await statusOf(id)).toBe('Failed');
    expect(await statusOf(other[0]!)).toBe('Pending');

    // 1,100 jobs, in statements of 500, and every id announced to `Prefer: wait` in notifications
    // small enough for PostgreSQL (8,000 bytes).
    await h.pool().query(
      `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
       SELECT gen_random_uuid(), 'bulk-cancel-many', 5, 1 FROM generate_series(1, 1100)`,
    );
    let answer: Json = {};
    const finished = await notifications('ingestion_jobs_finished', async () => {
      answer = (await post('/admin/jobs/cancel', { tenant: 'bulk-cancel-many', status: 'Pending' })).json();
    });
    // Three statements of 500 and a second pass over the filter, which finds nothing left.
    expect(answer).toEqual({ cancelled: 1100, batches: 4, complete: true });
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
