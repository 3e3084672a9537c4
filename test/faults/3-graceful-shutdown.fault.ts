// Scenario 3 of issue 4: SIGTERM to busy processes. A worker exits 0 within its grace period, leaves no
// job Processing, and hands interrupted jobs back as Pending without using an attempt; the API answers
// what it accepted and exits 0; a worker whose stdout reader has gone away still stops.
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { ms, recordFigures } from './support/figures.js';
import { batchFor, postIngestion, sleep } from './support/services.js';

const { pool, services } = useFaultDatabase(4);

const figures: Record<string, number | string> = {};
afterAll(() => recordFigures('3. graceful shutdown', figures));

async function processing(ids: readonly string[]): Promise<boolean> {
  return eventually(
    async () => (await jobRows(pool, ids)).every((row) => row.status === 'Processing'),
    20_000,
  );
}

describe('graceful shutdown on SIGTERM', () => {
  it('lets running jobs finish within the grace period and claims nothing more', async () => {
    const worker = await services.worker(
      // One job per claim, so that exactly the four running jobs are the ones in flight.
      { WORKER_CONCURRENCY: '4', WORKER_BATCH_SIZE: '1', SLOW_JOB_MS: '1500', SHUTDOWN_GRACE_SECONDS: '5' },
      'test/support/faultyWorker.ts',
    );
    let seen = '';
    const ids = await Promise.all(
      Array.from({ length: 24 }, () => insertJob(pool, undefined, { tenantId: 'slow' })),
    );
    expect(
      await eventually(async () => {
        const rows = await jobRows(pool, ids);
        seen = rows.map((row) => row.status[0]).join('');
        return rows.filter((row) => row.status === 'Processing').length === 4;
      }, 20_000),
      `${seen}\n${worker.output().slice(-3000)}`,
    ).toBe(true);
    const stoppedAt = performance.now();
    const code = await worker.stop('SIGTERM');
    const exitMs = performance.now() - stoppedAt;
    const rows = await jobRows(pool, ids);
    const finished = rows.filter((row) => row.status === 'Succeeded');
    const pending = rows.filter((row) => row.status === 'Pending');
    figures.drainExitCode = code;
    figures.drainExitMs = ms(exitMs);
    figures.drainGraceMs = 5000;
    figures.drainFinished = finished.length;
    figures.drainLeftPending = pending.length;
    figures.drainLeftProcessing = rows.filter((row) => row.status === 'Processing').length;

    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(5000);
    expect(figures.drainLeftProcessing).toBe(0);
    // The jobs running at the signal finished (a loop may have claimed one more just before it).
    expect(finished.length).toBeGreaterThanOrEqual(4);
    expect(finished.length).toBeLessThanOrEqual(8);
    expect(finished.every((row) => row.attempt === 1)).toBe(true);
    expect(pending.every((row) => row.attempt === 0 && row.locked_by === null)).toBe(true);
    expect(finished.length + pending.length).toBe(ids.length);
    await pool.query("UPDATE ingestion_jobs SET tenant_id = 'tenant' WHERE id = ANY($1::uuid[])", [ids]);
  });

  it('hands back jobs still running when the grace period ends, without using their attempt', async () => {
    const worker = await services.worker(
      { WORKER_CONCURRENCY: '4', WORKER_BATCH_SIZE: '1', SLOW_JOB_MS: '60000', SHUTDOWN_GRACE_SECONDS: '2' },
      'test/support/faultyWorker.ts',
    );
    const ids = await Promise.all(
      Array.from({ length: 4 }, () => insertJob(pool, undefined, { tenantId: 'slow' })),
    );
    expect(await processing(ids)).toBe(true);
    const stoppedAt = performance.now();
    const code = await worker.stop('SIGTERM');
    const exitMs = performance.now() - stoppedAt;
    const rows = await jobRows(pool, ids);
    figures.handBackExitCode = code;
    figures.handBackExitMs = ms(exitMs);
    figures.handBackGraceMs = 2000;
    figures.handedBack = rows.filter((row) => row.status === 'Pending' && row.attempt === 0).length;
    figures.handBackLeftProcessing = rows.filter((row) => row.status === 'Processing').length;

    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(2000 + 3000);
    expect(rows.map((row) => [row.status, row.attempt, row.locked_by])).toEqual(
      ids.map(() => ['Pending', 0, null]),
    );
    await pool.query("UPDATE ingestion_jobs SET tenant_id = 'tenant' WHERE id = ANY($1::uuid[])", [ids]);
  });

  it('stops a worker busy with a stream of jobs (default settings) cleanly', async () => {
    const workers = await Promise.all([services.worker(), services.worker()]);
    const ids: string[] = [];
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        ids.push(...(await Promise.all(Array.from({ length: 10 }, () => insertJob(pool)))));
        await sleep(5);
      }
    })();
    await sleep(3000);
    const stoppedAt = performance.now();
    const code = await workers[0]!.stop('SIGTERM');
    const exitMs = performance.now() - stoppedAt;
    feeding = false;
    await feeder;
    const settled = await eventually(
      async () => (await jobRows(pool, ids)).every((row) => row.status === 'Succeeded'),
      30_000,
    );
    const rows = await jobRows(pool, ids);
    figures.streamJobs = ids.length;
    figures.streamExitCode = code;
    figures.streamExitMs = ms(exitMs);
    figures.streamJobsAttemptedTwice = rows.filter((row) => row.attempt > 1).length;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(20_000);
    expect(settled).toBe(true);
    expect(rows.every((row) => row.attempt === 1)).toBe(true);
    expect(await workers[1]!.stop('SIGTERM')).toBe(0);
  });

  it('stops the API under load: every 202 was stored, and it exits 0', async () => {
    const { service, base } = await services.api();
    const accepted: string[] = [];
    const statuses: Record<string, number> = {};
    let sending = true;
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let n = c; sending; n += 8) {
        const answer = await postIngestion(base, batchFor(n), {}, 5000);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 202) accepted.push((answer.body as { jobId: string }).jobId);
        if (answer.status === 0) break;
      }
    });
    await sleep(2000);
    const stoppedAt = performance.now();
    const code = await service.stop('SIGTERM');
    const exitMs = performance.now() - stoppedAt;
    sending = false;
    await Promise.all(clients);
    const stored = await jobRows(pool, accepted);
    figures.apiAccepted = accepted.length;
    figures.apiAcceptedButNotStored = accepted.length - stored.length;
    figures.apiExitCode = code;
    figures.apiExitMs = ms(exitMs);
    figures.apiAnswers = JSON.stringify(statuses);
    expect(code).toBe(0);
    expect(stored.length).toBe(accepted.length);
    expect(Object.keys(statuses).filter((status) => Number(status) >= 500 && status !== '503')).toEqual([]);
  });

  it('stops a worker whose stdout reader went away (as in `npm run worker | head`)', async () => {
    const worker = await services.worker({ LOG_LEVEL: 'debug' });
    // The reading end of the pipe closes; every later log line hits a broken pipe.
    worker.child.stdout!.destroy();
    await Promise.all(Array.from({ length: 50 }, () => insertJob(pool)));
    await sleep(1000);
    const stoppedAt = performance.now();
    worker.child.kill('SIGTERM');
    const code = await Promise.race([worker.exited, sleep(15_000).then(() => 'still running after 15 s')]);
    const exitMs = performance.now() - stoppedAt;
    figures.closedStdoutExitCode = code;
    figures.closedStdoutExitMs = ms(exitMs);
    expect(code).toBe(0);
  });
});
