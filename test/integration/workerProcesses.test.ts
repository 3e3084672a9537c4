import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { jobsClaim } from '../../src/data/jobQueue.js';
import { aggregateEvents } from '../../src/domain/aggregation.js';
import { checkedFetch } from '../support/openapiConformance.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';

const db = useTestDatabase();
const pool = db.createPool(4);
const started: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await pool.end();
});

function start(entry: string, env: Record<string, string> = {}): ServiceProcess {
  const service = startProcess(entry, { ...db.env, ...env });
  started.push(service);
  return service;
}

async function startWorkers(count: number, env: Record<string, string> = {}, entry = 'src/entry/worker.ts') {
  const workers = Array.from({ length: count }, () => start(entry, env));
  await Promise.all(workers.map((worker) => waitForOutput(worker, /worker started/)));
  return workers;
}

async function settle(ids: readonly string[], timeoutMs = 45_000): Promise<void> {
  const done = await eventually(async () => {
    const rows = await jobRows(pool, ids);
    return rows.every((row) => row.status === 'Succeeded' || row.status === 'Failed');
  }, timeoutMs);
  expect(done, 'jobs did not settle in time').toBe(true);
}

describe('worker processes', () => {
  it('process every job submitted over HTTP exactly once, with several workers racing', async () => {
    const port = await freePort();
    const api = start('src/entry/api.ts', { PORT: String(port), HOST: '127.0.0.1' });
    const workers = await startWorkers(3, {
      WORKER_CONCURRENCY: '3',
      WORKER_BATCH_SIZE: '4',
      LOG_LEVEL: 'debug',
    });
    await waitForOutput(api, /API listening/);

    const types = ['clicked', 'viewed', 'Clicked', 'purchased', 'VIEWED'];
    const submitted = new Map<string, Array<{ type: string; timestamp: string }>>();
    for (let batch = 0; batch < 12; batch += 1) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, i) => {
          const n = batch * 25 + i;
          const events = Array.from({ length: 1 + (n % 6) }, (_, k) => ({
            type: types[(n + k) % types.length]!,
            timestamp: new Date(Date.UTC(2024, 4, 1, 12, 0, (n * 7 + k * 13) % 60)).toISOString(),
          }));
          const response = await fetch(`http://127.0.0.1:${port}/v1/ingestions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ tenantId: `tenant-${n % 4}`, events }),
          });
          expect(response.status).toBe(202);
          submitted.set(((await response.json()) as { jobId: string }).jobId, events);
        }),
      );
    }
    const ids = [...submitted.keys()];
    await settle(ids);

    const rows = await jobRows(pool, ids);
    expect(rows.filter((row) => row.status !== 'Succeeded')).toEqual([]);
    expect(rows.every((row) => row.attempt === 1)).toBe(true);
    // The work was shared: more than one process completed batches.
    const busy = workers.filter((worker) => /"msg":"batch done"/.test(worker.output()));
    expect(busy.length).toBeGreaterThan(1);

    // One job's status and every job's results, each checked against the API's OpenAPI document.
    const [firstJob] = ids;
    const status = await checkedFetch(`http://127.0.0.1:${port}`, `/v1/ingestions/${firstJob}`);
    expect(JSON.parse(status.text)).toMatchObject({ status: 'Succeeded', processedAt: expect.any(String) });
    for (const [jobId, events] of submitted) {
      const response = await checkedFetch(`http://127.0.0.1:${port}`, `/v1/results/${jobId}`);
      const body = JSON.parse(response.text) as { status: string; results: unknown[] };
      const expected = aggregateEvents(
        events.map((e) => ({ type: e.type, timestamp: new Date(e.timestamp) })),
      );
      expect(body).toEqual({
        jobId,
        status: 'Succeeded',
        results: expected.map((r) => ({
          eventType: r.eventType,
          count: r.count,
          firstTimestamp: r.firstTimestamp.toISOString(),
          lastTimestamp: r.lastTimestamp.toISOString(),
        })),
      });
    }
    const duplicates = await pool.query(
      'SELECT job_id FROM ingestion_results WHERE job_id = ANY($1::uuid[]) GROUP BY job_id, event_type_key HAVING count(*) > 1',
      [ids],
    );
    expect(duplicates.rows).toEqual([]);

    const codes = await Promise.all([api, ...workers].map((service) => service.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0, 0]);
  });

  it('retry a failing job with backoff until it is Failed, while other jobs keep flowing', async () => {
    const [worker] = await startWorkers(1, { BASE_BACKOFF_SECONDS: '0.05' }, 'test/support/faultyWorker.ts');
    const poison = await insertJob(pool, undefined, { tenantId: 'poison', maxAttempts: 3 });
    const healthy = await Promise.all(Array.from({ length: 10 }, () => insertJob(pool)));
    await settle([poison, ...healthy]);

    expect((await jobRows(pool, [poison]))[0]).toMatchObject({
      status: 'Failed',
      attempt: 3,
      error: 'attempt 3 of 3 failed: injected failure',
      locked_by: null,
    });
    expect((await jobRows(pool, healthy)).every((row) => row.status === 'Succeeded')).toBe(true);
    expect(worker!.output()).toMatch(/attempt 1 of 3 failed: injected failure/);
    expect(await worker!.stop()).toBe(0);
  });

  it("process a tenant's jobs submitted behind another tenant's backlog before that backlog is done", async () => {
    const run = randomUUID().slice(0, 8);
    const [busy, quiet] = [`busy-${run}`, `quiet-${run}`];
    // The backlog, stored in one statement as the API would store 3,000 one-event jobs.
    await pool.query(
      `WITH job AS (
         INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
         SELECT gen_random_uuid(), $1, 5, 1 FROM generate_series(1, 3000)
         RETURNING id, created_at
       )
       INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
       SELECT id, 1, 'clicked', 'CLICKED', now(), '{}', created_at FROM job`,
      [busy],
    );
    // Accepted after the whole backlog: oldest first would process them last.
    for (let i = 0; i < 5; i += 1) await insertJob(pool, undefined, { tenantId: quiet });
    const [worker] = await startWorkers(1);
    const settled = await eventually(async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ingestion_jobs WHERE tenant_id = ANY($1) AND status <> 'Succeeded'`,
        [[busy, quiet]],
      );
      return rows[0]!.n === 0;
    }, 60_000);
    expect(settled, 'jobs did not settle in time').toBe(true);
    const { rows } = await pool.query<{ quiet_done: number; busy_after: number; busy_total: number }>(
      `SELECT count(*) FILTER (WHERE tenant_id = $2)::int AS quiet_done,
              count(*) FILTER (WHERE tenant_id = $1)::int AS busy_total,
              count(*) FILTER (WHERE tenant_id = $1 AND processed_at >
                (SELECT max(processed_at) FROM ingestion_jobs WHERE tenant_id = $2))::int AS busy_after
       FROM ingestion_jobs WHERE tenant_id IN ($1, $2)`,
      [busy, quiet],
    );
    expect(rows[0]).toMatchObject({ quiet_done: 5, busy_total: 3000 });
    // Every quiet job finished while most of the backlog was still waiting: it came with the first
    // claims. Oldest first, none of the backlog would finish after them.
    expect(rows[0]!.busy_after).toBeGreaterThan(2500);
    expect(await worker!.stop()).toBe(0);
  });

  it('reclaim a job whose worker died, counting the attempt', async () => {
    const id = await insertJob(pool);
    const [claimed] = await jobsClaim(pool, 'worker-that-died', 1, 1);
    expect(claimed?.id).toBe(id);
    const [worker] = await startWorkers(1, { LEASE_SECONDS: '2' });
    await settle([id], 15_000);
    expect((await jobRows(pool, [id]))[0]).toMatchObject({
      status: 'Succeeded',
      attempt: 2,
      locked_by: null,
    });
    expect(worker!.output()).toMatch(/took back jobs whose worker stopped renewing its lease/);
    expect(await worker!.stop()).toBe(0);
  });

  it('on SIGTERM, hand back jobs still running after the grace period without using an attempt, and exit 0', async () => {
    const [worker] = await startWorkers(
      1,
      { SHUTDOWN_GRACE_SECONDS: '0.5', SLOW_JOB_MS: '20000', WORKER_CONCURRENCY: '3' },
      'test/support/faultyWorker.ts',
    );
    const ids = await Promise.all(
      Array.from({ length: 3 }, () => insertJob(pool, undefined, { tenantId: 'slow' })),
    );
    expect(
      await eventually(
        async () => (await jobRows(pool, ids)).every((row) => row.status === 'Processing'),
        10_000,
      ),
    ).toBe(true);

    const stoppedAt = Date.now();
    expect(await worker!.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    const rows = await jobRows(pool, ids);
    expect(rows.map((row) => [row.status, row.attempt, row.locked_by])).toEqual(
      ids.map(() => ['Pending', 0, null]),
    );
    await pool.query("UPDATE ingestion_jobs SET tenant_id = 'tenant' WHERE id = ANY($1::uuid[])", [ids]);
  });

  it('on SIGTERM, hand back a job whose claim was still waiting when the grace period ran out', async () => {
    const [worker] = await startWorkers(1, { SHUTDOWN_GRACE_SECONDS: '0.5', POLL_INTERVAL_MS: '50' });
    const id = randomUUID();
    const locker = await pool.connect();
    try {
      // The table lock holds the worker's next claim; the job is stored under the same lock, so the
      // claim takes it the moment the lock goes, long after the grace period ran out.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE ingestion_jobs IN ACCESS EXCLUSIVE MODE');
      await locker.query(
        "INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count) VALUES ($1, 'tenant', 1, 1)",
        [id],
      );
      await locker.query(
        `INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload, accepted_at)
         SELECT $1, 1, 'clicked', 'clicked', now(), 'null', created_at FROM ingestion_jobs WHERE id = $1`,
        [id],
      );
      const claimWaiting = await eventually(async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'ingest-worker'
             AND wait_event_type = 'Lock' AND query LIKE '%ingestion_jobs%'`,
        );
        return rows[0].n > 0;
      }, 30_000);
      expect(claimWaiting).toBe(true);
      const exit = worker!.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await locker.query('COMMIT');
      expect(await exit).toBe(0);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
    }
    expect(worker!.output()).not.toMatch(/Cannot use a pool after calling end/);
    expect((await jobRows(pool, [id]))[0]).toMatchObject({ status: 'Pending', attempt: 0, locked_by: null });
    await pool.query("UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now() WHERE id = $1", [
      id,
    ]);
  });

  it('on SIGTERM, let running jobs finish within the grace period', async () => {
    const [worker] = await startWorkers(
      1,
      { SHUTDOWN_GRACE_SECONDS: '10', SLOW_JOB_MS: '700' },
      'test/support/faultyWorker.ts',
    );
    const id = await insertJob(pool, undefined, { tenantId: 'slow' });
    expect(
      await eventually(async () => (await jobRows(pool, [id]))[0]?.status === 'Processing', 10_000),
    ).toBe(true);
    expect(await worker!.stop('SIGTERM')).toBe(0);
    expect((await jobRows(pool, [id]))[0]).toMatchObject({ status: 'Succeeded', attempt: 1 });
  });

  it('refuse to start on a bad variable, naming it', async () => {
    const worker = start('src/entry/worker.ts', { WORKER_CONCURRENCY: 'abc', MAX_ATTEMPTS: '0' });
    expect(await worker.exited).toBe(2);
    expect(worker.output()).toMatch(/WORKER_CONCURRENCY="abc": expected a whole number/);
    expect(worker.output()).toMatch(/MAX_ATTEMPTS="0"/);
  });
});
