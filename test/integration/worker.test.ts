// The worker in this test process, on the file's own database: for cases that need a pool setting or a
// database trigger of their own rather than a separate process.
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerConfig } from '../../src/config/config.js';
import { createPool, type Pool } from '../../src/data/pool.js';
import { createLogger } from '../../src/log/logger.js';
import { Worker } from '../../src/worker/worker.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';

const db = useTestDatabase();
const pool = db.createPool(4);
const workerPools: Pool[] = [];

afterAll(async () => {
  await Promise.all(workerPools.filter((p) => !p.ended).map((p) => p.end()));
  await pool.end();
});

const defaults: WorkerConfig = {
  concurrency: 1,
  batchSize: 50,
  maxAttempts: 5,
  baseBackoffSeconds: 2,
  leaseSeconds: 2,
  pollIntervalMs: 100,
  shutdownGraceSeconds: 5,
  jobTimeoutSeconds: 300,
  processorModule: undefined,
};

/** Starts a worker whose pool has the given server-side statement timeout. */
async function startWorker(config: Partial<WorkerConfig>, statementTimeoutMillis?: number) {
  const merged = { ...defaults, ...config };
  const workerPool = createPool(db.config, {
    max: merged.concurrency + 2,
    applicationName: 'test-worker',
    ...(statementTimeoutMillis ? { statementTimeoutMillis } : {}),
    onIdleError: () => undefined,
  });
  workerPools.push(workerPool);
  const worker = new Worker({
    pool: workerPool,
    database: db.config,
    config: merged,
    logger: createLogger('silent', 'test-worker'),
  });
  await worker.start();
  return {
    worker,
    async stop() {
      const report = await worker.stop();
      await workerPool.end();
      return report;
    },
  };
}

describe('worker', () => {
  // statement_timeout is a per-connection setting; behind a transaction pooler it is the role's.
  it.skipIf(db.behindPooler)(
    'fails only the job whose completion hits the statement timeout, with its own error',
    async () => {
      // Storing a result of type "slow" takes a second inside PostgreSQL, whatever the machine's load:
      // a completion that includes that job always outlives the worker's 300 ms statement timeout.
      await pool.query(`
      CREATE FUNCTION slow_result() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
      CREATE TRIGGER slow_result BEFORE INSERT ON ingestion_results FOR EACH ROW
        WHEN (NEW.event_type = 'slow') EXECUTE FUNCTION slow_result();
    `);
      try {
        const small = await Promise.all(
          Array.from({ length: 5 }, () => insertJob(pool, undefined, { maxAttempts: 1 })),
        );
        const slow = await insertJob(pool, [{ type: 'slow', timestamp: '2024-05-01T12:00:00Z' }], {
          maxAttempts: 2,
        });
        const ids = [...small, slow];
        const worker = await startWorker({}, 300);
        const settled = await eventually(async () => {
          const rows = await jobRows(pool, ids);
          return rows.every((row) => row.status !== 'Processing' && row.attempt >= 1);
        }, 20_000);
        await worker.stop();
        expect(settled).toBe(true);

        const rows = await jobRows(pool, small);
        expect(rows.map((row) => [row.status, row.attempt, row.error])).toEqual(
          small.map(() => ['Succeeded', 1, null]),
        );
        const { rows: slowRows } = await pool.query(
          'SELECT status, attempt, error, extract(epoch FROM available_at - updated_at)::float8 AS backoff FROM ingestion_jobs WHERE id = $1',
          [slow],
        );
        // Its own error and the contract's backoff (attempt 1, base 2: 2 s), not "abandoned".
        expect(slowRows[0]).toEqual({
          status: 'Pending',
          attempt: 1,
          error: 'attempt 1 of 2 failed: canceling statement due to statement timeout',
          backoff: 2,
        });
      } finally {
        await pool.query('DROP TRIGGER slow_result ON ingestion_results; DROP FUNCTION slow_result()');
      }
    },
  );
});
