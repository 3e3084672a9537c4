// The guarantees a processor written in TypeScript gets from the worker (issue 14), each shown with real
// worker processes running test/support/testProcessor.ts through PROCESSOR_MODULE.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkedFetch } from '../support/openapiConformance.js';
import { eventually, insertJob } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { processorLog } from '../support/testProcessor.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(4);
const started: ServiceProcess[] = [];
const logFile = join(mkdtempSync(join(tmpdir(), 'processor-test-')), 'processor.log');
writeFileSync(logFile, '');

// Each test starts its own processes with its own settings; none may outlive it and claim the next
// test's jobs, even when the test failed before stopping them. Jobs a test left unfinished are retired.
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop('SIGKILL')));
  await pool.query(
    `UPDATE ingestion_jobs SET status = 'Failed', processed_at = now(), locked_by = NULL, locked_until = NULL
     WHERE status IN ('Pending', 'Processing')`,
  );
});
afterAll(() => pool.end());

async function startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const worker = startProcess('src/entry/worker.ts', {
    ...db.env,
    PROCESSOR_MODULE: 'test/support/testProcessor.ts',
    PROCESSOR_LOG_FILE: logFile,
    POLL_INTERVAL_MS: '100',
    ...env,
  });
  started.push(worker);
  await waitForOutput(worker, /worker started/);
  expect(worker.output()).toMatch(/"processor":"test-processor"/);
  return worker;
}

const logOf = (jobId: string) => processorLog(readFileSync(logFile, 'utf8'), jobId);
const logged = (jobId: string, event: string, kind?: string) =>
  eventually(async () => logOf(jobId).some((l) => l.event === event && (!kind || l.kind === kind)), 20_000);
const rowOf = async (id: string) =>
  (await pool.query('SELECT *, output IS NOT NULL AS has_output FROM ingestion_jobs WHERE id = $1', [id]))
    .rows[0];

describe('a processor in a worker process', () => {
  it('commits its output with Succeeded, notifies, and GET /v1/results serves it beside empty results', async () => {
    const listener = new pg.Client({ ...db.listenConfig, ssl: false });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (message) => notified.push(...(message.payload ?? '').split(',')));
    await listener.query('LISTEN ingestion_jobs_finished');
    try {
      const port = await freePort();
      const api = startProcess('src/entry/api.ts', { ...db.env, PORT: String(port), HOST: '127.0.0.1' });
      started.push(api);
      const worker = await startWorker();
      await waitForOutput(api, /API listening/);
      const id = await insertJob(pool, [
        { type: 'clicked', timestamp: '2024-05-01T12:00:00Z' },
        { type: 'viewed', timestamp: '2024-05-01T12:00:01Z' },
        { type: 'Clicked', timestamp: '2024-05-01T12:00:02Z' },
      ]);
      expect(await eventually(async () => (await rowOf(id)).status === 'Succeeded', 20_000)).toBe(true);
      expect(await rowOf(id)).toMatchObject({
        attempt: 1,
        locked_by: null,
        output: { events: 3, tenantId: 'tenant', attempt: 1 },
      });
      expect(await eventually(async () => notified.includes(id), 5_000)).toBe(true);
      const response = await checkedFetch(`http://127.0.0.1:${port}`, `/v1/results/${id}`);
      expect(JSON.parse(response.text)).toEqual({
        jobId: id,
        status: 'Succeeded',
        results: [],
        output: { events: 3, tenantId: 'tenant', attempt: 1 },
      });
      // A job not finished yet has no output.
      const pending = await insertJob(pool, undefined, { tenantId: 'slow' });
      await logged(pending, 'start');
      const early = await checkedFetch(`http://127.0.0.1:${port}`, `/v1/results/${pending}`);
      expect(JSON.parse(early.text)).toEqual({ jobId: pending, status: 'Processing', results: [] });
      expect(await Promise.all([api.stop(), worker.stop()])).toEqual([0, 0]);
    } finally {
      await listener.end();
    }
  });

  it('renews the lease while a processor runs for several leases, so it runs once, with two workers racing', async () => {
    const env = { LEASE_SECONDS: '1', SLOW_JOB_MS: '4000' };
    const workers = [await startWorker(env), await startWorker(env)];
    const id = await insertJob(pool, undefined, { tenantId: 'slow' });
    expect(await eventually(async () => (await rowOf(id)).status === 'Succeeded', 30_000)).toBe(true);
    expect(await rowOf(id)).toMatchObject({ attempt: 1, output: { tenantId: 'slow', attempt: 1 } });
    expect(logOf(id).map((line) => line.event)).toEqual(['start', 'end']);
    expect(await Promise.all(workers.map((worker) => worker.stop()))).toEqual([0, 0]);
  });

  it('aborts the signal when the lease is lost, and commits nothing', async () => {
    const worker = await startWorker({ LEASE_SECONDS: '1', SLOW_JOB_MS: '60000' });
    const id = await insertJob(pool, undefined, { tenantId: 'slow' });
    expect(await logged(id, 'start')).toBe(true);
    // Another owner takes the job, as the sweep of another worker would after a stall.
    await pool.query(
      "UPDATE ingestion_jobs SET locked_by = 'another-worker', locked_until = now() + interval '1 hour' WHERE id = $1",
      [id],
    );
    expect(await logged(id, 'aborted', 'lease-lost')).toBe(true);
    await waitForOutput(worker, /processor stopped: lease lost/);
    expect(await rowOf(id)).toMatchObject({
      status: 'Processing',
      locked_by: 'another-worker',
      has_output: false,
    });
    expect(await worker.stop()).toBe(0);
  });

  it('aborts the signal at JOB_TIMEOUT_SECONDS: a failed attempt, retried after its backoff', async () => {
    const worker = await startWorker({
      JOB_TIMEOUT_SECONDS: '1',
      SLOW_JOB_MS: '60000',
      BASE_BACKOFF_SECONDS: '300',
    });
    const id = await insertJob(pool, undefined, { tenantId: 'slow' });
    expect(await logged(id, 'aborted', 'timeout')).toBe(true);
    expect(await eventually(async () => (await rowOf(id)).status === 'Pending', 10_000)).toBe(true);
    const row = await rowOf(id);
    expect(row).toMatchObject({
      attempt: 1,
      locked_by: null,
      has_output: false,
      error: 'attempt 1 of 5 failed: timed out after 1 s (JOB_TIMEOUT_SECONDS)',
    });
    expect(row.available_at.getTime()).toBeGreaterThan(Date.now() + 200_000);
    expect(await worker.stop()).toBe(0);
  });

  it('stops a processor that never settles at its timeout and frees its slot for the next job', async () => {
    const worker = await startWorker({ JOB_TIMEOUT_SECONDS: '1', WORKER_CONCURRENCY: '1' });
    const hung = await insertJob(pool, undefined, { tenantId: 'hang', maxAttempts: 1 });
    expect(await logged(hung, 'start')).toBe(true);
    const next = await insertJob(pool);
    expect(await eventually(async () => (await rowOf(next)).status === 'Succeeded', 20_000)).toBe(true);
    expect(await rowOf(hung)).toMatchObject({
      status: 'Failed',
      attempt: 1,
      error: 'attempt 1 of 1 failed: timed out after 1 s (JOB_TIMEOUT_SECONDS)',
    });
    expect(logOf(hung).map((line) => [line.event, line.kind])).toEqual([
      ['start', undefined],
      ['aborted', 'timeout'],
    ]);
    expect(await worker.stop()).toBe(0);
  });

  it('aborts the signal when the shutdown grace period ends, and hands the job back unused', async () => {
    const worker = await startWorker({ SHUTDOWN_GRACE_SECONDS: '0.5', SLOW_JOB_MS: '60000' });
    const id = await insertJob(pool, undefined, { tenantId: 'slow' });
    expect(await logged(id, 'start')).toBe(true);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(logOf(id).map((line) => [line.event, line.kind])).toEqual([
      ['start', undefined],
      ['aborted', 'shutdown'],
    ]);
    expect(await rowOf(id)).toMatchObject({
      status: 'Pending',
      attempt: 0,
      locked_by: null,
      has_output: false,
    });
  });

  it('records a thrown error as a failed attempt with backoff, and a PermanentJobError as Failed at once', async () => {
    const worker = await startWorker({ BASE_BACKOFF_SECONDS: '300' });
    const thrown = await insertJob(pool, undefined, { tenantId: 'throw' });
    const permanent = await insertJob(pool, undefined, { tenantId: 'permanent' });
    expect(await eventually(async () => (await rowOf(permanent)).status === 'Failed', 20_000)).toBe(true);
    expect(await eventually(async () => (await rowOf(thrown)).error !== null, 20_000)).toBe(true);
    expect(await rowOf(thrown)).toMatchObject({
      status: 'Pending',
      attempt: 1,
      error: 'attempt 1 of 5 failed: processor refused',
    });
    expect(await rowOf(permanent)).toMatchObject({
      status: 'Failed',
      attempt: 1,
      max_attempts: 5,
      error: 'attempt 1 of 5 failed permanently: payload cannot be processed',
      has_output: false,
    });
    expect(await worker.stop()).toBe(0);
  });

  it('refuses to start with a module that exports no processor, naming the setting', async () => {
    const worker = startProcess('src/entry/worker.ts', {
      ...db.env,
      PROCESSOR_MODULE: 'src/domain/backoff.ts',
    });
    started.push(worker);
    expect(await worker.exited).not.toBe(0);
    expect(worker.output()).toMatch(
      /PROCESSOR_MODULE=\\"src\/domain\/backoff.ts\\": the module must export `processor`/,
    );
  });
});
