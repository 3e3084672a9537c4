// Issue 9, item 6: a lock on the jobs table longer than the lease (a migration, a non-concurrent index
// build, VACUUM FULL) falls on live workers with jobs in flight. Claims, heartbeats, completions and the
// lease sweep all queue behind it; when it goes, none of the live workers' jobs may be taken back. With
// max_attempts = 1, a single false reclaim would end a job Failed as "abandoned".
import { describe, expect, it } from 'vitest';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { recordFigures } from './support/figures.js';
import { sleep } from './support/services.js';

const { pool, services } = useFaultDatabase(4);

const leaseSeconds = 3;
const lockMs = 8_000; // longer than the lease: every heartbeat of every worker waits it out
const locks = 3;
const slowJobMs = 5_000; // longer than the lease too: only heartbeats keep these jobs
const slowPerWave = 8;
const quickPerWave = 200;

describe('a table lock longer than the lease', () => {
  it('takes no job back from live workers, and uses no attempt', async () => {
    const workers = await Promise.all(
      Array.from({ length: 3 }, () =>
        services.worker(
          {
            LEASE_SECONDS: String(leaseSeconds),
            SLOW_JOB_MS: String(slowJobMs),
            WORKER_CONCURRENCY: '3',
            WORKER_BATCH_SIZE: '1',
          },
          'test/support/faultyWorker.ts',
        ),
      ),
    );
    const started = Date.now();
    const ids: string[] = [];
    let inFlightAtLock = 0;
    for (let round = 0; round < locks; round += 1) {
      // A wave of work, so the lock finds slow jobs running, quick ones being claimed and completed.
      for (let i = 0; i < slowPerWave; i += 1)
        ids.push(await insertJob(pool, undefined, { tenantId: 'slow', maxAttempts: 1 }));
      ids.push(
        ...(await Promise.all(
          Array.from({ length: quickPerWave }, () => insertJob(pool, undefined, { maxAttempts: 1 })),
        )),
      );
      await sleep(1_500);
      const locker = await pool.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE ingestion_jobs IN ACCESS EXCLUSIVE MODE');
        const { rows } = await locker.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM ingestion_jobs WHERE status = 'Processing'",
        );
        inFlightAtLock += rows[0]!.n;
        await sleep(lockMs);
        await locker.query('COMMIT');
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        locker.release();
      }
      await sleep(2_000);
    }
    const settled = await eventually(async () => {
      const rows = await jobRows(pool, ids);
      return rows.every((row) => row.status === 'Succeeded' || row.status === 'Failed');
    }, 60_000);
    const seconds = Math.round((Date.now() - started) / 1000);

    const rows = await jobRows(pool, ids);
    const logs = workers.map((worker) => worker.output()).join('\n');
    const count = (pattern: RegExp) => (logs.match(pattern) ?? []).length;
    const { rows: results } = await pool.query<{ duplicates: number }>(
      `SELECT count(*)::int AS duplicates FROM (
         SELECT 1 FROM ingestion_results WHERE job_id = ANY($1::uuid[])
         GROUP BY job_id, event_type_key HAVING count(*) > 1) AS d`,
      [ids],
    );
    const figures = {
      leaseSeconds,
      locks: `${locks} × ${lockMs / 1000} s ACCESS EXCLUSIVE`,
      jobs: `${ids.length} (${locks * slowPerWave} of ${slowJobMs / 1000} s), max_attempts 1`,
      jobsProcessingWhenLocked: inFlightAtLock,
      seconds,
      succeeded: rows.filter((row) => row.status === 'Succeeded').length,
      failed: rows.filter((row) => row.status === 'Failed').length,
      attemptsAbove1: rows.filter((row) => row.attempt > 1).length,
      sweepsThatTookJobsBack: count(/took back jobs whose worker stopped renewing its lease/g),
      leaseLossesOfLiveWorkers: count(/lease lost/g),
      sweepStallsSeen: count(/lease sweep waited on the database/g),
      duplicateResults: results[0]!.duplicates,
    };
    recordFigures('10. table lock longer than the lease', figures);
    expect(settled).toBe(true);
    expect(inFlightAtLock).toBeGreaterThan(0);
    expect(rows.filter((row) => row.status !== 'Succeeded' || row.attempt !== 1)).toEqual([]);
    expect(figures.sweepsThatTookJobsBack).toBe(0);
    expect(figures.leaseLossesOfLiveWorkers).toBe(0);
    expect(figures.duplicateResults).toBe(0);
    expect(await Promise.all(workers.map((worker) => worker.stop('SIGTERM')))).toEqual([0, 0, 0]);
  });
});
