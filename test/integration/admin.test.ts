import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { jobsClaim, jobsFail, jobsRelease, jobsRescueExpired, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { insertJob } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';

const db = useTestDatabase();
const token = 'test-admin-token-0123456789';
let app: FastifyInstance;
let readOnlyApp: FastifyInstance;
let openApp: FastifyInstance;
let pool: Pool;

beforeAll(async () => {
  app = await buildTestApp(db, { ADMIN_TOKEN: token });
  readOnlyApp = await buildTestApp(db, { HOST: '127.0.0.1', DASHBOARD_READ_ONLY: 'true' });
  openApp = await buildTestApp(db, {});
  pool = db.createPool(2);
});
afterAll(async () => {
  await Promise.all([app.close(), readOnlyApp.close(), openApp.close()]);
  await pool.end();
});

const auth = { authorization: `Bearer ${token}` };
const get = (url: string) => app.inject({ method: 'GET', url, headers: auth });
const post = (url: string, body?: unknown) =>
  app.inject({
    method: 'POST',
    url,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

function expectProblem(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.json() as { title: string; detail: string; errors?: Record<string, string[]> };
}

/** Claims every due job as worker `owner`, then fails those `fails` picks and completes the rest. */
async function runAttempts(fails: (id: string) => boolean, owner = 'test-worker'): Promise<void> {
  const claimed = await jobsClaim(pool, owner, 1000, 30);
  const failing = claimed.filter((job) => fails(job.id));
  const passing = claimed.filter((job) => !fails(job.id));
  if (passing.length)
    await jobsSucceed(
      pool,
      owner,
      passing.map((job) => job.id),
    );
  if (failing.length)
    await jobsFail(
      pool,
      owner,
      failing.map((job) => ({ id: job.id, error: `boom ${job.attempt}`, backoffSeconds: 0 })),
    );
}

/** A job that has used up its attempts, each failing with "boom <n>". */
async function failedJob(tenantId: string, maxAttempts = 2, payload: unknown = null): Promise<string> {
  const id = await insertJob(pool, [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload }], {
    tenantId,
    maxAttempts,
  });
  for (let i = 0; i < maxAttempts; i += 1) await runAttempts((jobId) => jobId === id);
  return id;
}

describe('admin access', () => {
  it('refuses without a token when listening beyond loopback, and says to set ADMIN_TOKEN', async () => {
    const problem = expectProblem(await openApp.inject({ method: 'GET', url: '/admin/overview' }), 403);
    expect(problem.detail).toMatch(/ADMIN_TOKEN/);
    expectProblem(await openApp.inject({ method: 'GET', url: '/ui/jobs' }), 403);
  });

  it('requires the bearer token when ADMIN_TOKEN is set', async () => {
    const missing = await app.inject({ method: 'GET', url: '/admin/jobs' });
    expectProblem(missing, 401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    const wrong = await app.inject({
      method: 'GET',
      url: '/admin/jobs',
      headers: { authorization: 'Bearer nope' },
    });
    expect(expectProblem(wrong, 401).detail).toMatch(/not the ADMIN_TOKEN/);
    expect((await get('/admin/jobs')).statusCode).toBe(200);
  });

  it('serves the dashboard with a Content-Security-Policy, its data only through the admin API', async () => {
    const page = await app.inject({ method: 'GET', url: '/ui/jobs?status=Failed' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect((await app.inject({ method: 'GET', url: '/ui/assets/app.js' })).statusCode).toBe(200);
    expectProblem(await app.inject({ method: 'GET', url: '/ui/assets/..%2Fapp.js' }), 404);
  });

  it('documents the admin routes in the OpenAPI document under their own tag, behind the bearer token', async () => {
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [path, method] of [
      ['/admin/jobs', 'get'],
      ['/admin/jobs/{jobId}', 'get'],
      ['/admin/jobs/{jobId}/retry', 'post'],
      ['/admin/jobs/{jobId}/cancel', 'post'],
      ['/admin/jobs/retry', 'post'],
      ['/admin/overview', 'get'],
    ]) {
      expect(document.paths[path!]?.[method!]).toMatchObject({
        tags: ['admin'],
        security: [{ adminToken: [] }],
      });
      expect(document.paths[path!][method!].responses['401']).toBeDefined();
    }
    expect(document.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/ui'))).toEqual([]);
  });

  it('is open on loopback without a token', async () => {
    expect((await readOnlyApp.inject({ method: 'GET', url: '/admin/overview' })).statusCode).toBe(200);
  });
});

describe('GET /admin/jobs', () => {
  it('filters by tenant, status, error and payload, newest first, page by page with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      ids.push(
        await insertJob(
          pool,
          [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { customer: { id: i } } }],
          {
            tenantId: 'list-tenant',
          },
        ),
      );
    }
    const seen: string[] = [];
    let url = '/admin/jobs?tenant=list-tenant&limit=2';
    for (let page = 0; page < 5; page += 1) {
      const body = (await get(url)).json();
      seen.push(...body.jobs.map((job: { jobId: string }) => job.jobId));
      if (!body.nextCursor) break;
      url = `/admin/jobs?tenant=list-tenant&limit=2&cursor=${body.nextCursor}`;
    }
    expect(seen).toEqual([...ids].reverse());

    const byPayload = (await get('/admin/jobs?tenant=list-tenant&payload=customer.id%3D3')).json();
    expect(byPayload.jobs.map((job: { jobId: string }) => job.jobId)).toEqual([ids[3]]);
    expect(byPayload.from).toEqual(expect.any(String));

    const failed = await failedJob('list-tenant');
    const byStatus = (await get('/admin/jobs?tenant=list-tenant&status=Failed')).json();
    expect(byStatus.jobs.map((job: { jobId: string }) => job.jobId)).toEqual([failed]);
    const byError = (await get('/admin/jobs?error=BOOM%202')).json();
    expect(byError.jobs.map((job: { jobId: string }) => job.jobId)).toContain(failed);
    expect((await get('/admin/jobs?error=100%25')).json().jobs).toEqual([]);
  });

  it('names what is wrong with a filter', async () => {
    const problem = expectProblem(
      await get('/admin/jobs?status=Done&from=yesterday&payload=nothing&cursor=xyz&limit=500'),
      400,
    );
    expect(Object.keys(problem.errors ?? {})).toEqual(expect.arrayContaining(['status', 'from', 'payload']));
    expectProblem(await get('/admin/jobs?cursor=xyz'), 400);
    expectProblem(await get('/admin/jobs?limit=500'), 400);
    const wide = expectProblem(
      await get('/admin/jobs?payload=a%3D1&from=2024-01-01T00:00:00Z&to=2024-02-01T00:00:00Z'),
      400,
    );
    expect(wide.errors?.from?.[0]).toMatch(/24 hours/);
  });
});

describe('GET /admin/jobs/{jobId}', () => {
  it('shows every attempt with its worker, outcome and error, the events and the results', async () => {
    const id = await insertJob(
      pool,
      [
        { type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { page: '/home' } },
        { type: 'Clicked', timestamp: '2024-05-01T12:00:01Z' },
        { type: 'viewed', timestamp: '2024-05-01T12:00:02Z' },
      ],
      { tenantId: 'detail-tenant', maxAttempts: 3 },
    );
    await runAttempts((jobId) => jobId === id, 'worker-a');
    await runAttempts(() => false, 'worker-b');
    const job = (await get(`/admin/jobs/${id}`)).json();
    expect(job).toMatchObject({ jobId: id, status: 'Succeeded', attempt: 2, tenantId: 'detail-tenant' });
    expect(job.attempts).toEqual([
      expect.objectContaining({ attempt: 1, worker: 'worker-a', outcome: 'failed', error: 'boom 1' }),
      expect.objectContaining({ attempt: 2, worker: 'worker-b', outcome: 'succeeded', error: null }),
    ]);
    for (const attempt of job.attempts)
      expect(Date.parse(attempt.endedAt)).toBeGreaterThanOrEqual(Date.parse(attempt.startedAt));
    expect(job.eventTypes).toEqual([
      { type: 'clicked', count: 2 },
      { type: 'viewed', count: 1 },
    ]);
    expect(job.firstEvents[0]).toMatchObject({ seq: 1, type: 'clicked', payload: { page: '/home' } });
    expect(job.results.map((r: { eventType: string; count: number }) => [r.eventType, r.count])).toEqual([
      ['clicked', 2],
      ['viewed', 1],
    ]);
    expectProblem(await get('/admin/jobs/00000000-0000-4000-8000-000000000000'), 404);
    expectProblem(await get('/admin/jobs/not-a-uuid'), 400);
  });
});

describe('attempt history', () => {
  it('records an abandoned attempt (lease expired) and one handed back at shutdown', async () => {
    const id = await insertJob(pool, undefined, { tenantId: 'history' });
    await jobsClaim(pool, 'crashed-worker', 1000, 0.01);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await jobsRescueExpired(pool, 0, 60);
    const claimed = await jobsClaim(pool, 'stopping-worker', 1000, 30);
    expect(claimed.map((job) => job.id)).toContain(id);
    await jobsRelease(pool, 'stopping-worker', [id]);
    await runAttempts(() => false, 'last-worker');
    const job = (await get(`/admin/jobs/${id}`)).json();
    expect(job.attempts).toEqual([
      expect.objectContaining({ attempt: 1, worker: 'crashed-worker', outcome: 'abandoned' }),
      expect.objectContaining({ attempt: 2, worker: 'stopping-worker', outcome: 'released' }),
      expect.objectContaining({ attempt: 2, worker: 'last-worker', outcome: 'succeeded' }),
    ]);
    expect(job.attempt).toBe(2);
  });
});

describe('actions', () => {
  it('retries a Failed job with all its attempts again, and refuses one that is not Failed', async () => {
    const id = await failedJob('retry-tenant');
    const retried = await post(`/admin/jobs/${id}/retry`);
    expect(retried.json()).toEqual({ jobId: id, status: 'Pending' });
    const job = (await get(`/admin/jobs/${id}`)).json();
    expect(job).toMatchObject({ status: 'Pending', attempt: 0, error: null, processedAt: null });
    expect(job.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'failed', 'retried']);
    expect(expectProblem(await post(`/admin/jobs/${id}/retry`), 409).detail).toMatch(/Pending/);
    expectProblem(await post('/admin/jobs/00000000-0000-4000-8000-000000000000/retry'), 404);
    await runAttempts(() => false);
    expect((await get(`/admin/jobs/${id}`)).json()).toMatchObject({ status: 'Succeeded', attempt: 1 });
  });

  it('refuses to retry a Failed job whose events retention has dropped, alone or in bulk', async () => {
    const id = await failedJob('retention-tenant');
    // What dropping the job's day of events leaves: the job without its events.
    await pool.query('DELETE FROM raw_events WHERE job_id = $1', [id]);
    const refused = expectProblem(await post(`/admin/jobs/${id}/retry`), 409);
    expect(refused).toMatchObject({ title: 'Job events deleted' });
    expect(refused.detail).toMatch(/RAW_EVENT_RETENTION_DAYS/);
    const bulk = await post('/admin/jobs/retry', { tenant: 'retention-tenant' });
    expect(bulk.json()).toMatchObject({ retried: 0 });
    expect((await get(`/admin/jobs/${id}`)).json()).toMatchObject({ status: 'Failed' });
  });

  it('cancels a Pending job: Failed for the template clients, with cancelledAt', async () => {
    const id = await insertJob(pool, undefined, { tenantId: 'cancel-tenant' });
    expect((await post(`/admin/jobs/${id}/cancel`)).json()).toEqual({ jobId: id, status: 'Failed' });
    const status = (await app.inject({ method: 'GET', url: `/v1/ingestions/${id}` })).json();
    expect(status).toMatchObject({ status: 'Failed', error: 'cancelled by an operator' });
    const job = (await get(`/admin/jobs/${id}`)).json();
    expect(job.cancelledAt).toEqual(expect.any(String));
    expectProblem(await post(`/admin/jobs/${id}/cancel`), 409);
    await runAttempts(() => false);
    expect((await get(`/admin/jobs/${id}`)).json().status).toBe('Failed');
  });

  it('retries every Failed job matching a filter and counts them', async () => {
    const mine = [await failedJob('bulk-a', 1), await failedJob('bulk-a', 1), await failedJob('bulk-a', 1)];
    const other = await failedJob('bulk-b', 1);
    const answer = (await post('/admin/jobs/retry', { tenant: 'bulk-a' })).json();
    expect(answer).toEqual({ retried: 3, batches: 1, complete: true });
    const pending = (await get('/admin/jobs?tenant=bulk-a&status=Pending')).json();
    expect(pending.jobs.map((job: { jobId: string }) => job.jobId).sort()).toEqual([...mine].sort());
    expect((await get(`/admin/jobs/${other}`)).json().status).toBe('Failed');
    await runAttempts(() => false);
  });

  it('refuses every action in read-only mode, on the server', async () => {
    const failed = await failedJob('read-only', 1);
    const pending = await insertJob(pool, undefined, { tenantId: 'read-only' });
    for (const url of [`/admin/jobs/${failed}/retry`, `/admin/jobs/${pending}/cancel`]) {
      expect(expectProblem(await readOnlyApp.inject({ method: 'POST', url }), 403).detail).toMatch(
        /DASHBOARD_READ_ONLY/,
      );
    }
    const bulk = await readOnlyApp.inject({
      method: 'POST',
      url: '/admin/jobs/retry',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expectProblem(bulk, 403);
    expect((await get(`/admin/jobs/${failed}`)).json().status).toBe('Failed');
    await runAttempts(() => false);
  });
});

describe('GET /admin/overview', () => {
  it('counts jobs by status, per minute over the last hour, and names the oldest pending job', async () => {
    const pendingId = await insertJob(pool, undefined, { tenantId: 'overview' });
    const overview = (await get('/admin/overview')).json();
    const { rows } = await pool.query<{ status: string; count: string }>(
      'SELECT status, count(*) FROM ingestion_jobs GROUP BY status',
    );
    for (const row of rows) expect(overview.counts[row.status]).toBe(Number(row.count));
    expect(overview.perMinute).toHaveLength(60);
    const finished = await pool.query<{ succeeded: string }>(
      "SELECT count(*) FILTER (WHERE status = 'Succeeded') AS succeeded FROM ingestion_jobs",
    );
    const charted = overview.perMinute.reduce(
      (sum: number, m: { succeeded: number }) => sum + m.succeeded,
      0,
    );
    expect(charted).toBe(Number(finished.rows[0]!.succeeded));
    expect(overview.oldestPending).toMatchObject({ jobId: pendingId, tenantId: 'overview' });
    expect(overview.readOnly).toBe(false);
  });
});
