// Scenario 2 of issue 4: the other side of a short lease. With both cores saturated by CPU hogs and
// every update of the jobs table slowed by an injected pg_sleep, no live worker may lose a lease.
import { describe, expect, it } from 'vitest';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { recordFigures } from './support/figures.js';

const { pool, services } = useFaultDatabase(4);

const hogCount = 4; // two per core
const slowJobMs = 14_000; // longer than the 10 s lease: only heartbeats keep these jobs
const slowJobs = 12;
const quickJobs = 150;

describe('no false reclaims under CPU and database pressure', () => {
  it('lets no live worker lose a lease with default settings', async () => {
    // The "slow database": every row update of the jobs table (claims, heartbeats, completions) sleeps
    // 50–250 ms inside PostgreSQL. Only this scenario's own database is slowed.
    await pool.query(`
      CREATE FUNCTION slow_down() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(0.05 + random() * 0.2); RETURN NEW; END $$;
      CREATE TRIGGER slow_down BEFORE UPDATE ON ingestion_jobs FOR EACH ROW EXECUTE FUNCTION slow_down();
    `);
    const workers = await Promise.all(
      Array.from({ length: 3 }, () =>
        // Lease settings are the defaults; one job per claim, so the slow jobs run side by side
        // instead of one after another in a single batch.
        services.worker(
          { SLOW_JOB_MS: String(slowJobMs), WORKER_BATCH_SIZE: '1' },
          'test/support/faultyWorker.ts',
        ),
      ),
    );
    const started = Date.now();
    services.startHogs(hogCount);
    try {
      const ids = [
        ...(await Promise.all(
          Array.from({ length: slowJobs }, () => insertJob(pool, undefined, { tenantId: 'slow' })),
        )),
        ...(await Promise.all(Array.from({ length: quickJobs }, () => insertJob(pool)))),
      ];
      const settled = await eventually(async () => {
        const rows = await jobRows(pool, ids);
        return rows.every((row) => row.status === 'Succeeded' || row.status === 'Failed');
      }, 150_000);
      const seconds = Math.round((Date.now() - started) / 1000);
      await services.stopHogs();

      const rows = await jobRows(pool, ids);
      const logs = workers.map((worker) => worker.output()).join('\n');
      const lostLeases = (logs.match(/lease lost/g) ?? []).length;
      const sweeps = (logs.match(/took back jobs whose worker stopped renewing its lease/g) ?? []).length;
      const renewalFailures = (logs.match(/lease renewal failed/g) ?? []).length;
      const reattempted = rows.filter((row) => row.attempt > 1).length;
      recordFigures('2. no false reclaims', {
        cpuHogs: hogCount,
        injectedSleepPerRowUpdateMs: '50–250',
        slowJobs: `${slowJobs} × ${slowJobMs} ms (lease 10 s)`,
        quickJobs,
        seconds,
        succeeded: rows.filter((row) => row.status === 'Succeeded').length,
        leaseLossesOfLiveWorkers: lostLeases,
        sweepsThatTookJobsBack: sweeps,
        jobsAttemptedTwice: reattempted,
        heartbeatFailures: renewalFailures,
      });
      expect(settled).toBe(true);
      expect(rows.every((row) => row.status === 'Succeeded')).toBe(true);
      expect(lostLeases).toBe(0);
      expect(sweeps).toBe(0);
      expect(reattempted).toBe(0);
    } finally {
      await services.stopHogs();
    }
    expect(await Promise.all(workers.map((worker) => worker.stop('SIGTERM')))).toEqual([0, 0, 0]);
  });
});
