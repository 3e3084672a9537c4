// A processor's error must reach its author with its stack: in the worker's log and in the job's
// attempt history, which the admin API and the dashboard show. A real worker process runs
// test/support/testProcessor.ts, whose "type-error" jobs fail with a TypeError of its own code.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, insertJob } from '../support/jobs.js';
import { startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(2);
let worker: ServiceProcess;
let admin: FastifyInstance;

beforeAll(async () => {
  worker = startProcess('src/entry/worker.ts', {
    ...db.env,
    PROCESSOR_MODULE: 'test/support/testProcessor.ts',
    POLL_INTERVAL_MS: '100',
  });
  admin = await buildTestApp(db, { HOST: '127.0.0.1' });
  await waitForOutput(worker, /worker started/);
});
afterAll(async () => {
  await worker?.stop('SIGKILL');
  await admin?.close();
  await pool.end();
});

interface Attempt {
  outcome: string;
  error: string | null;
  stack?: string;
}

/** Runs one job of `tenantId` with one attempt to Failed; its history as the admin API shows it. */
async function failedAttempts(tenantId: string): Promise<{ jobId: string; attempts: Attempt[] }> {
  const jobId = await insertJob(pool, undefined, { tenantId, maxAttempts: 1 });
  const failed = async () =>
    (await pool.query('SELECT status FROM ingestion_jobs WHERE id = $1', [jobId])).rows[0]?.status ===
    'Failed';
  expect(await eventually(failed, 30_000)).toBe(true);
  const response = await admin.inject({ method: 'GET', url: `/admin/jobs/${jobId}` });
  expect(response.statusCode, response.body).toBe(200);
  return { jobId, attempts: (response.json() as { attempts: Attempt[] }).attempts };
}

describe("a processor's error", () => {
  it('is logged with its stack, and kept with its stack in the attempt history', async () => {
    const { jobId, attempts } = await failedAttempts('type-error');
    expect(attempts).toHaveLength(1);
    const [attempt] = attempts;
    expect(attempt!.outcome).toBe('failed');
    // The error field keeps its form: one line, the message.
    expect(attempt!.error).toBe(
      "attempt 1 of 1 failed: Cannot read properties of undefined (reading 'field')",
    );
    expect(attempt!.stack).toMatch(/^TypeError: Cannot read properties of undefined \(reading 'field'\)\n/);
    expect(attempt!.stack).toMatch(/at readField \(.*testProcessor\.ts:\d+:\d+\)/);

    await waitForOutput(worker, new RegExp(`"jobId":"${jobId}".*job attempt failed`));
    const line = worker
      .output()
      .split('\n')
      .find((entry) => entry.includes(jobId) && entry.includes('job attempt failed'))!;
    const logged = JSON.parse(line) as { err?: { type: string; message: string; stack: string } };
    expect(logged.err?.type).toBe('TypeError');
    expect(logged.err?.stack).toMatch(/at readField \(.*testProcessor\.ts:\d+:\d+\)/);
  });

  it('keeps at most 4,000 characters of a stack in the history, saying it was cut', async () => {
    const { attempts } = await failedAttempts('huge-error');
    const stack = attempts[0]!.stack!;
    expect(stack).toMatch(/^TypeError: huge x/);
    expect(stack.length).toBeLessThanOrEqual(4000);
    expect(stack).toMatch(/… \(stack cut at 4,000 characters\)$/);
  });
});
