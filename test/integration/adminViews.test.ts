// The operators' views in the admin API on a real PostgreSQL: the tenant list, the worker processes and
// the history of finished jobs (read live and from the rollup). The actions: adminActions.test.ts.
import { describe, expect, it } from 'vitest';
import { finishedHoursRead, finishedHoursRollUp } from '../../src/data/jobHistory.js';
import { jobsClaim, jobsFail, jobsSucceed } from '../../src/data/jobQueue.js';
import { workerAnnounce, workersPrune } from '../../src/data/workerRegistry.js';
import { useAdminHarness, type Json } from '../support/adminHarness.js';
import { buildTestApp } from '../support/testApp.js';

const h = useAdminHarness();
const { get, post, expectProblem, jobs, statusOf, drain } = h;

describe('GET /admin/tenants', () => {
  it('lists every tenant by backlog, then the rest by id, page by page without a gap or a repeat', async () => {
    await drain();
    const [finished] = await jobs('tl-c', 1);
    await drain();
    // tl-b: 7 jobs, one of them Processing and one Failed (permanently), so 5 remain Pending.
    await jobs('tl-b', 7);
    const [b1, b2] = (await jobsClaim(h.pool(), 'w-tl', 2, 30)).map((j) => j.id);
    await jobsFail(h.pool(), 'w-tl', [{ id: b2!, error: 'no', backoffSeconds: 0, permanent: true }]);
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
    expect(names).toEqual(expect.arrayContaining(['tl-a', 'tl-b', 'tl-c', 'tl-d', 'tl-e']));
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
    await jobsSucceed(h.pool(), 'w-tl', [b1!]);
    await post('/admin/tenants/tl-d/resume');
    await drain();
  });

  it('lists a tenant whose backlog began after the ranking it serves from was read', async () => {
    await drain();
    await jobs('tl-old', 2);
    expect((await get('/admin/tenants?limit=200')).tenants.map((t: Json) => t.tenantId)).toContain('tl-old');
    // The ranking of tenants by backlog is kept for a few seconds: a tenant that has a backlog now and
    // had none then is listed with the others, not left out of both parts.
    await jobs('tl-new', 1);
    const listed = (await get('/admin/tenants?limit=200')).tenants as Json[];
    expect(listed.map((t) => t.tenantId)).toEqual(expect.arrayContaining(['tl-old', 'tl-new']));
    expect(listed.find((t) => t.tenantId === 'tl-new')).toMatchObject({ pending: 1 });
    await drain();
  });

  it('refuses a cursor it did not give, one of another list, and a page size out of range', async () => {
    expectProblem(await h.app().inject({ method: 'GET', url: '/admin/tenants?cursor=nonsense' }), 400);
    await post('/admin/tenants/tl-p1/pause');
    await post('/admin/tenants/tl-p2/pause');
    const paused = await get('/admin/tenants?paused=true&limit=1');
    expect(paused.nextCursor).toEqual(expect.any(String));
    expectProblem(
      await h.app().inject({ method: 'GET', url: `/admin/tenants?cursor=${paused.nextCursor}` }),
      400,
    );
    expect((await get(`/admin/tenants?paused=true&limit=1&cursor=${paused.nextCursor}`)).tenants).toEqual([
      expect.objectContaining({ tenantId: 'tl-p2' }),
    ]);
    expectProblem(await h.app().inject({ method: 'GET', url: '/admin/tenants?limit=0' }), 400);
    expectProblem(await h.app().inject({ method: 'GET', url: '/admin/tenants?limit=201' }), 400);
    await post('/admin/tenants/tl-p1/resume');
    await post('/admin/tenants/tl-p2/resume');
  });
});

describe('GET /admin/workers', () => {
  it('lists live workers first, then those gone quiet or stopped recently, with the jobs they still hold', async () => {
    const announce = (id: string, stopping = false) =>
      workerAnnounce(h.pool(), {
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
    await h.pool().query(
      `UPDATE worker_processes SET heartbeat_at = now() - interval '30 seconds' WHERE id = 'gone-worker';
       UPDATE worker_processes SET heartbeat_at = now() - interval '2 hours' WHERE id = 'old-worker';
       UPDATE worker_processes SET heartbeat_at = now() - interval '2 days' WHERE id = 'ancient-worker'`,
    );
    const [held] = await jobs('workers', 1);
    await jobsClaim(h.pool(), 'gone-worker', 1, 30);

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

    await h
      .pool()
      .query(`UPDATE worker_processes SET heartbeat_at = now() - interval '2 days' WHERE id = 'old-worker'`);
    expect(await workersPrune(h.pool(), 86_400)).toBe(1);
    await jobsSucceed(h.pool(), 'gone-worker', [held!]);
  });
});

describe('the history of finished jobs', () => {
  it('counts the jobs finished per hour by outcome with p50 and p95, alike from the jobs and the rollup', async () => {
    await drain();
    // 10 jobs that finished three hours ago, taking 1 to 10 s from acceptance; one Failed, one cancelled.
    const ids = await jobs('history', 10);
    await drain();
    await h.pool().query(
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
    const live = await finishedHoursRead(h.pool(), 168);
    expect(live).toHaveLength(168);
    const hour = live.at(-4)!;
    expect(hour).toMatchObject({ succeeded: 8, failed: 1, cancelled: 1 });
    // Nine jobs counted for the times (the cancelled one is the operator's): 1 to 9 s.
    expect(hour.p50Seconds).toBeCloseTo(5, 3);
    expect(hour.p95Seconds).toBeCloseTo(8.6, 3);

    // The 167 hours before the current one (166 in the first two minutes of an hour: the last one may
    // still receive completions).
    const written = await finishedHoursRollUp(h.pool(), () => false);
    expect(written).toBeGreaterThanOrEqual(166);
    const { rows } = await h
      .pool()
      .query<{ hours: number }>('SELECT count(*)::integer AS hours FROM finished_jobs_hourly');
    expect(rows[0]!.hours).toBe(written);
    // The hours rolled up read the same; a second rollup has nothing to do (or the hour that just ended).
    expect((await finishedHoursRead(h.pool(), 168)).slice(0, -2)).toEqual(live.slice(0, -2));
    expect(await finishedHoursRollUp(h.pool(), () => false)).toBeLessThanOrEqual(1);

    // A new app: an app shares one read of the history between overviews for a few seconds.
    const fresh = await buildTestApp(h.db, { HOST: '127.0.0.1' });
    const overview = (await fresh.inject({ method: 'GET', url: '/admin/overview' })).json();
    await fresh.close();
    expect(overview.perHour).toHaveLength(168);
    expect(overview.perHour.at(-4)).toMatchObject({ succeeded: 8, failed: 1, cancelled: 1, p50Seconds: 5 });
    expect(overview.perMinute[0]).toHaveProperty('p95Seconds');
  });
});
