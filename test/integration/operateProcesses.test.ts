// The operators' admin API over HTTP against real processes: an API, a read-only API and worker processes
// running test/support/testProcessor.ts (its "slow" tenant runs until its signal aborts, its "throw"
// tenant fails every attempt), on a real PostgreSQL. Workers announce themselves and a killed one is
// seen gone; pauses hold jobs across a worker restart; a running job is cancelled through its processor's
// signal; a job is run out of a long backoff. Every answer is checked against the OpenAPI document.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedFetch } from '../support/openapiConformance.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { processorLog, processorWorkerEnv } from '../support/testProcessor.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const logFile = join(mkdtempSync(join(tmpdir(), 'operate-test-')), 'processor.log');
writeFileSync(logFile, '');
let api: ServiceProcess;
let readOnlyApi: ServiceProcess;
const workers: ServiceProcess[] = [];
let base: string;
let readOnlyBase: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function startWorker(): ServiceProcess {
  const worker = startProcess(
    'src/entry/worker.ts',
    processorWorkerEnv(db.env, { PROCESSOR_LOG_FILE: logFile, BASE_BACKOFF_SECONDS: '300' }),
  );
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  const [port, readOnlyPort] = [await freePort(), await freePort()];
  const common = {
    ...db.env,
    HOST: '127.0.0.1',
    RUN_MIGRATIONS_ON_STARTUP: 'false',
    METRICS_JOB_COUNTS_CACHE_SECONDS: '0.1',
  };
  api = startProcess('src/entry/api.ts', { ...common, PORT: String(port) });
  readOnlyApi = startProcess('src/entry/api.ts', {
    ...common,
    PORT: String(readOnlyPort),
    DASHBOARD_READ_ONLY: 'true',
  });
  startWorker();
  startWorker();
  await Promise.all([
    waitForOutput(api, /API listening/, 120_000),
    waitForOutput(readOnlyApi, /API listening/, 120_000),
    ...workers.map((worker) => waitForOutput(worker, /worker started/, 120_000)),
  ]);
  base = `http://127.0.0.1:${port}`;
  readOnlyBase = `http://127.0.0.1:${readOnlyPort}`;
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.stop(), readOnlyApi?.stop(), ...workers.map((worker) => worker.stop())]);
});

async function call(method: 'GET' | 'POST', path: string, body?: unknown, on = base) {
  const response = await checkedFetch(on, path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: JSON.parse(response.text) as Json };
}
const get = async (path: string) => {
  const { status, body } = await call('GET', path);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
};
async function submit(tenantId: string): Promise<string> {
  const { status, body } = await call('POST', '/v1/ingestions', {
    tenantId,
    events: [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }],
  });
  expect(status).toBe(202);
  return body.jobId as string;
}
const statusOf = async (jobId: string) => (await get(`/v1/ingestions/${jobId}`)).status as string;
const allIn = async (ids: string[], status: string) =>
  (await Promise.all(ids.map(statusOf))).every((s) => s === status);
const logOf = (jobId: string) => processorLog(readFileSync(logFile, 'utf8'), jobId);
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('pausing', () => {
  it("holds a paused tenant's jobs Pending across a worker restart, while others run; resume runs them", async () => {
    expect((await call('POST', '/admin/tenants/held/pause')).body).toMatchObject({ paused: true });
    const held = [await submit('held'), await submit('held'), await submit('held')];
    const free = await submit('free');
    expect(await eventually(async () => (await statusOf(free)) === 'Succeeded', 30_000)).toBe(true);
    expect(await eventually(async () => (await metric('ingest_tenants_paused')) === 1, 10_000)).toBe(true);

    // The pause lives in the database: a worker that starts now honours it as well.
    await workers[0]!.stop();
    const restarted = startWorker();
    await waitForOutput(restarted, /worker started/, 120_000);
    workers.splice(0, 1);
    await submit('free');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await allIn(held, 'Pending')).toBe(true);
    const tenants = await get('/admin/tenants?paused=true');
    expect(tenants.tenants).toEqual([expect.objectContaining({ tenantId: 'held', pending: 3 })]);
    expect((await get(`/admin/jobs/${held[0]}`)).tenantPausedAt).toEqual(expect.any(String));

    expect((await call('POST', '/admin/tenants/held/resume')).body).toMatchObject({ paused: false });
    expect(await eventually(() => allIn(held, 'Succeeded'), 30_000)).toBe(true);
  });

  it('holds every job while processing is paused, and shows it in /metrics and the overview', async () => {
    const paused = await call('POST', '/admin/processing/pause');
    expect(paused.body).toMatchObject({ paused: true });
    try {
      const ids = [await submit('everyone-1'), await submit('everyone-2')];
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(await allIn(ids, 'Pending')).toBe(true);
      expect((await get('/admin/overview')).paused.processingPausedAt).toBe(paused.body.pausedAt);
      expect(await eventually(async () => (await metric('ingest_processing_paused')) === 1, 10_000)).toBe(
        true,
      );
      await call('POST', '/admin/processing/resume');
      expect(await eventually(() => allIn(ids, 'Succeeded'), 30_000)).toBe(true);
      // A process reads the pauses at most once per METRICS_JOB_COUNTS_CACHE_SECONDS (0.1 s here).
      expect(await eventually(async () => (await metric('ingest_processing_paused')) === 0, 10_000)).toBe(
        true,
      );
    } finally {
      await call('POST', '/admin/processing/resume');
    }
  });

  it('is refused, with every other action, by the read-only API', async () => {
    const jobId = await submit('read-only-check');
    for (const path of [
      '/admin/tenants/x/pause',
      '/admin/tenants/x/resume',
      '/admin/processing/pause',
      '/admin/processing/resume',
      `/admin/jobs/${jobId}/run-now`,
      `/admin/jobs/${jobId}/cancel`,
    ]) {
      const { status, body } = await call('POST', path, undefined, readOnlyBase);
      expect(status).toBe(403);
      expect(body.detail).toMatch(/DASHBOARD_READ_ONLY=true/);
    }
    expect((await call('POST', '/admin/jobs/cancel', {}, readOnlyBase)).status).toBe(403);
  });
});

describe('job actions', () => {
  it("cancels a running job: its processor's signal aborts as cancelled, the job is Failed once, no output", async () => {
    const jobId = await submit('slow');
    expect(await eventually(async () => logOf(jobId).some((l) => l.event === 'start'), 30_000)).toBe(true);
    expect(await statusOf(jobId)).toBe('Processing');

    expect((await call('POST', `/admin/jobs/${jobId}/cancel`)).body).toEqual({ jobId, status: 'Failed' });
    // The worker learns it at its next lease renewal (every 2 s with the default 10 s lease).
    expect(
      await eventually(
        async () => logOf(jobId).some((l) => l.event === 'aborted' && l.kind === 'cancelled'),
        20_000,
      ),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(logOf(jobId).map((l) => [l.event, l.kind])).toEqual([
      ['start', undefined],
      ['aborted', 'cancelled'],
    ]);
    const job = await get(`/admin/jobs/${jobId}`);
    expect(job).toMatchObject({ status: 'Failed', error: 'cancelled by an operator', attempt: 1 });
    expect(job.attempts.map((a: Json) => a.outcome)).toEqual(['cancelled']);
    const results = await get(`/v1/results/${jobId}`);
    expect(results).toMatchObject({ status: 'Failed', results: [] });
    expect(results).not.toHaveProperty('output');
    const said = workers.map((worker) => worker.output()).join('\n');
    expect(said).toMatch(/cancelled by an operator while running; stopping their processors/);
    expect(said).not.toMatch(new RegExp(`lease lost[^\\n]*${jobId}`));
  });

  it('cancels the running jobs a filter matches in one request', async () => {
    const running = [await submit('slow'), await submit('slow')];
    expect(
      await eventually(async () => running.every((id) => logOf(id).some((l) => l.event === 'start')), 30_000),
    ).toBe(true);
    const answer = await call('POST', '/admin/jobs/cancel', { tenant: 'slow' });
    // A second pass over the filter finds nothing left (a row its worker's renewal held at the moment of
    // the first would be found there).
    expect(answer.body).toEqual({ cancelled: 2, batches: 2, complete: true });
    for (const id of running) {
      expect(
        await eventually(
          async () => logOf(id).some((l) => l.event === 'aborted' && l.kind === 'cancelled'),
          20_000,
        ),
      ).toBe(true);
    }
    expect(await allIn(running, 'Failed')).toBe(true);
  });

  it('runs a job waiting out a 300 s backoff at once', async () => {
    const jobId = await submit('throw');
    expect(
      await eventually(async () => (await get(`/admin/jobs/${jobId}`)).attempts.length === 1, 30_000),
    ).toBe(true);
    const waiting = await get(`/admin/jobs/${jobId}`);
    expect(waiting).toMatchObject({ status: 'Pending', attempt: 1 });
    expect(Date.parse(waiting.availableAt) - Date.now()).toBeGreaterThan(200_000);

    expect((await call('POST', `/admin/jobs/${jobId}/run-now`)).body).toEqual({ jobId, status: 'Pending' });
    expect(
      await eventually(async () => (await get(`/admin/jobs/${jobId}`)).attempts.length === 2, 30_000),
    ).toBe(true);
    const cancel = await call('POST', `/admin/jobs/${jobId}/cancel`);
    expect(cancel.status).toBe(200);
  });
});

describe('GET /admin/workers', () => {
  it('lists each worker process as it announces itself; a stopped one as stopped; a killed one as gone within a minute', async () => {
    const live = async () => (await get('/admin/workers')).workers.filter((w: Json) => w.state === 'live');
    expect(await eventually(async () => (await live()).length === 2, 20_000)).toBe(true);
    const listed = await live();
    expect(listed.map((w: Json) => w.pid).sort()).toEqual(workers.map((w) => w.child.pid).sort());
    for (const worker of listed) {
      expect(worker).toMatchObject({ version: '0.1.0', concurrency: 2, stoppedAt: null });
      expect(worker.workerId).toMatch(new RegExp(`/${worker.pid}/`));
    }

    const extra = startWorker();
    await waitForOutput(extra, /worker started/, 120_000);
    expect(await eventually(async () => (await live()).length === 3, 20_000)).toBe(true);
    await extra.stop();
    const stateOf = async (pid: number) =>
      (await get('/admin/workers')).workers.find((w: Json) => w.pid === pid)?.state as string | undefined;
    expect(await stateOf(extra.child.pid!)).toBe('stopped');

    const victim = workers[1]!;
    await victim.stop('SIGKILL');
    const killedAt = Date.now();
    expect(await eventually(async () => (await stateOf(victim.child.pid!)) === 'gone', 60_000)).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect((await live()).length).toBe(1);
  }, 120_000);
});
