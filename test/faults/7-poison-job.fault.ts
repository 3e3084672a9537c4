// Scenario 7 of issue 4: a job that fails every attempt (through the test-only worker hook, which no
// request or setting can reach) ends Failed after MAX_ATTEMPTS with its error, while other jobs flow.
import { describe, expect, it } from 'vitest';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { useFaultDatabase } from './support/faultDatabase.js';
import { ms, percentile, recordFigures } from './support/figures.js';

const { pool, services } = useFaultDatabase(4);

const maxAttempts = 5; // the default
const poisonJobs = 5;
const healthyJobs = 2000;

describe('poison job', () => {
  it('fails a job that always fails after MAX_ATTEMPTS with its error, and other jobs keep flowing', async () => {
    // A short backoff base keeps the run short: 0.1, 0.2, 0.4, 0.8 s between the five attempts.
    const env = { BASE_BACKOFF_SECONDS: '0.1' };
    const workers = await Promise.all([
      services.worker(env, 'test/support/faultyWorker.ts'),
      services.worker(env, 'test/support/faultyWorker.ts'),
    ]);
    const started = Date.now();
    const poison = await Promise.all(
      Array.from({ length: poisonJobs }, () =>
        insertJob(pool, undefined, { tenantId: 'poison', maxAttempts }),
      ),
    );
    const healthy: string[] = [];
    for (let i = 0; i < healthyJobs / 100; i += 1) {
      healthy.push(...(await Promise.all(Array.from({ length: 100 }, () => insertJob(pool)))));
    }
    const settled = await eventually(async () => {
      const { rows } = await pool.query<{ open: number }>(
        "SELECT count(*)::int AS open FROM ingestion_jobs WHERE status IN ('Pending', 'Processing')",
      );
      return rows[0]!.open === 0;
    }, 60_000);
    const seconds = (Date.now() - started) / 1000;

    const poisonRows = await jobRows(pool, poison);
    const healthyRows = await jobRows(pool, healthy);
    const { rows: latency } = await pool.query<{ ms: number }>(
      'SELECT extract(epoch FROM processed_at - created_at)::float8 * 1000 AS ms FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
      [healthy],
    );
    recordFigures('7. poison job', {
      poisonJobs,
      healthyJobs,
      seconds: Math.round(seconds),
      poisonFailed: poisonRows.filter((row) => row.status === 'Failed').length,
      poisonAttempts: [...new Set(poisonRows.map((row) => row.attempt))].join(','),
      poisonError: poisonRows[0]!.error ?? '',
      healthySucceeded: healthyRows.filter((row) => row.status === 'Succeeded').length,
      healthyAttemptedTwice: healthyRows.filter((row) => row.attempt > 1).length,
      healthyLatencyP50Ms: ms(
        percentile(
          latency.map((row) => row.ms),
          50,
        ),
      ),
      healthyLatencyMaxMs: ms(
        percentile(
          latency.map((row) => row.ms),
          100,
        ),
      ),
    });

    expect(settled).toBe(true);
    for (const row of poisonRows) {
      expect(row).toMatchObject({
        status: 'Failed',
        attempt: maxAttempts,
        locked_by: null,
        error: `attempt ${maxAttempts} of ${maxAttempts} failed: injected failure`,
      });
    }
    expect(healthyRows.every((row) => row.status === 'Succeeded' && row.attempt === 1)).toBe(true);
    const logs = workers.map((worker) => worker.output()).join('\n');
    for (let attempt = 1; attempt < maxAttempts; attempt += 1)
      expect(logs).toContain(`attempt ${attempt} of ${maxAttempts} failed: injected failure`);
    expect(await Promise.all(workers.map((worker) => worker.stop('SIGTERM')))).toEqual([0, 0]);
  });
});
