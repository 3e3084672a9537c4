import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { jobsClaim } from '../../src/data/jobQueue.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { externalTool, installPrometheus } from '../support/externalTool.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const pool = db.createPool(2);
const started: ServiceProcess[] = [];
const promtool = externalTool(
  'promtool',
  installPrometheus,
  'the promtool checks of the metrics and alert rules',
);

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await pool.end();
});

function start(entry: string, env: Record<string, string>): ServiceProcess {
  const service = startProcess(entry, { ...db.env, HOST: '127.0.0.1', ...env });
  started.push(service);
  return service;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, e.g. `ingest_job_attempts_total{outcome="succeeded"}`; undefined when absent. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function post(base: string, body: unknown, contentType = 'application/json') {
  return fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const events = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ type: `type-${i % 3}`, timestamp: '2024-05-01T12:00:00Z' }));

describe('metrics endpoints of real processes', () => {
  let api: string;
  let worker: string;

  it('count what the API accepts and refuses, and what the worker completes, with bounded labels', async () => {
    const apiPort = await freePort();
    const workerPort = await freePort();
    const apiProcess = start('src/entry/api.ts', {
      PORT: String(apiPort),
      METRICS_JOB_COUNTS_CACHE_SECONDS: '0.2',
    });
    const workerProcess = start('src/entry/worker.ts', { METRICS_PORT: String(workerPort) });
    await Promise.all([
      waitForOutput(apiProcess, /API listening/),
      waitForOutput(workerProcess, /worker started/),
    ]);
    expect(workerProcess.output()).toContain(`metrics at http://127.0.0.1:${workerPort}/metrics`);
    api = `http://127.0.0.1:${apiPort}`;
    worker = `http://127.0.0.1:${workerPort}`;

    const ids: string[] = [];
    for (const size of [1, 2, 3, 4, 5]) {
      const response = await post(api, { tenantId: `tenant-${size}`, events: events(size) });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { jobId: string }).jobId);
    }
    expect((await post(api, { tenantId: '', events: [] })).status).toBe(400);
    expect((await post(api, 'tenantId=x', 'text/plain')).status).toBe(415);
    for (const id of ids) expect((await fetch(`${api}/v1/ingestions/${id}`)).status).toBe(200);
    expect((await fetch(`${api}/no/such/route`)).status).toBe(404);

    const completed = await eventually(async () => {
      const text = await scrape(`${worker}/metrics`);
      return sample(text, 'ingest_job_attempts_total{outcome="succeeded"}') === 5;
    });
    expect(completed, 'the worker did not report 5 jobs succeeded').toBe(true);

    const apiText = await scrape(`${api}/metrics`);
    expect(sample(apiText, 'ingest_jobs_accepted_total')).toBe(5);
    expect(sample(apiText, 'ingest_events_accepted_total')).toBe(15);
    expect(sample(apiText, 'ingest_requests_rejected_total{reason="invalid"}')).toBe(1);
    expect(sample(apiText, 'ingest_requests_rejected_total{reason="unsupported_media_type"}')).toBe(1);
    expect(sample(apiText, 'ingest_requests_rejected_total{reason="too_large"}')).toBe(0);
    // Route templates, never raw URLs: no job id reaches a label.
    expect(
      sample(
        apiText,
        'http_request_duration_seconds_count{method="GET",route="/v1/ingestions/:jobId",status_code="200"}',
      ),
    ).toBe(5);
    expect(
      sample(
        apiText,
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}',
      ),
    ).toBe(1);
    for (const id of ids) expect(apiText).not.toContain(id);
    for (const tenant of ['tenant-1', 'type-0']) expect(apiText).not.toContain(tenant);
    expect(apiText).toMatch(/^ingest_db_pool_connections\{pool="api",state="idle"\} \d+$/m);
    expect(apiText).toMatch(/^ingest_db_pool_waiting_queries\{pool="api"\} 0$/m);
    expect(apiText).toMatch(/^process_cpu_seconds_total /m);
    expect(apiText).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(apiText).toMatch(/^process_resident_memory_bytes /m);

    const workerText = await scrape(`${worker}/metrics`);
    expect(sample(workerText, 'ingest_job_queue_wait_seconds_count')).toBe(5);
    expect(sample(workerText, 'ingest_job_processing_seconds_count')).toBe(5);
    expect(sample(workerText, 'ingest_job_attempts_total{outcome="failed"}')).toBe(0);
    expect(sample(workerText, 'ingest_leases_lost_total')).toBe(0);
    expect(sample(workerText, 'ingest_jobs_reclaimed_total')).toBe(0);
    expect(workerText).toMatch(/^ingest_db_pool_connections\{pool="worker",state="idle"\} \d+$/m);
    // The worker does not load the HTTP stack, so it has no HTTP metrics.
    expect(workerText).not.toContain('http_request_duration_seconds');
    for (const id of ids) expect(workerText).not.toContain(id);

    // The queue gauges: exact for the live statuses, and a timestamp (not an age) for the oldest job.
    const queue = await eventually(async () => {
      const text = await scrape(`${api}/metrics`);
      return (
        sample(text, 'ingest_jobs{status="Pending"}') === 0 &&
        sample(text, 'ingest_jobs{status="Processing"}') === 0
      );
    });
    expect(queue).toBe(true);
    const oldest = sample(await scrape(`${api}/metrics`), 'ingest_oldest_pending_job_timestamp_seconds')!;
    expect(Math.abs(oldest - Date.now() / 1000)).toBeLessThan(600);
  });

  it("name the build in ingest_build_info: version, the checkout's commit, the Node.js version", async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    for (const url of [`${api}/metrics`, `${worker}/metrics`]) {
      const text = await scrape(url);
      expect(
        sample(text, `ingest_build_info{version="${version}",commit="${head}",node="${process.version}"}`),
      ).toBe(1);
    }
  });

  it.skipIf(promtool.skip)('pass promtool check metrics on the API and on the worker', async () => {
    for (const url of [`${api}/metrics`, `${worker}/metrics`]) {
      const exposition = await scrape(url);
      const checked = spawnSync(promtool.require(), ['check', 'metrics'], {
        input: exposition,
        encoding: 'utf8',
      });
      expect(`${checked.stdout}${checked.stderr}`, url).toBe('');
      expect(checked.status, url).toBe(0);
    }
  });

  it.skipIf(promtool.skip)(
    'ship alert rules and a configuration that promtool accepts, and alert tests that pass',
    () => {
      for (const args of [
        ['check', 'rules', 'deploy/prometheus/alerts.yml'],
        ['test', 'rules', 'deploy/prometheus/alerts.test.yml'],
        ['check', 'config', 'deploy/prometheus/prometheus.yml'],
      ]) {
        const run = spawnSync(promtool.require(), args, { encoding: 'utf8' });
        expect(run.status, `promtool ${args.join(' ')}:\n${run.stdout}${run.stderr}`).toBe(0);
      }
    },
  );

  it('quote the shipped alert rules in docs/operations.md as they are', () => {
    const rules = readFileSync('deploy/prometheus/alerts.yml', 'utf8');
    expect(readFileSync('docs/operations.md', 'utf8')).toContain(`\`\`\`yaml\n${rules}\`\`\``);
  });

  it('serve nothing and record nothing with METRICS_ENABLED=false', async () => {
    const apiPort = await freePort();
    const workerPort = await freePort();
    const apiProcess = start('src/entry/api.ts', { PORT: String(apiPort), METRICS_ENABLED: 'false' });
    const workerProcess = start('src/entry/worker.ts', {
      METRICS_PORT: String(workerPort),
      METRICS_ENABLED: 'false',
    });
    await Promise.all([
      waitForOutput(apiProcess, /API listening/),
      waitForOutput(workerProcess, /worker started/),
    ]);
    expect((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).status).toBe(404);
    await expect(fetch(`http://127.0.0.1:${workerPort}/metrics`)).rejects.toThrow();
    expect(workerProcess.output()).not.toContain('metrics at');
  });

  it('refuse to start a worker whose METRICS_PORT is taken, saying what to do', async () => {
    const port = Number(new URL(worker).port);
    const second = start('src/entry/worker.ts', { METRICS_PORT: String(port) });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`METRICS_PORT ${port} is already in use`);
  });

  it('count retries, failures and jobs taken back from a dead worker', async () => {
    // Alone on the database: the workers started above would take these jobs.
    await Promise.all(started.splice(0).map((service) => service.stop('SIGTERM')));
    // A job claimed by a worker that then died, with a 1 s lease; then a job that fails every attempt.
    const abandoned = await insertJob(pool);
    expect((await jobsClaim(pool, 'worker-that-died', 1, 1))[0]?.id).toBe(abandoned);
    const poison = await insertJob(pool, undefined, { tenantId: 'poison', maxAttempts: 3 });
    const port = await freePort();
    const faulty = start('test/support/faultyWorker.ts', {
      METRICS_PORT: String(port),
      BASE_BACKOFF_SECONDS: '0.05',
      LEASE_SECONDS: '2',
      METRICS_JOB_COUNTS_CACHE_SECONDS: '0.2',
    });
    await waitForOutput(faulty, /worker started/);
    const settled = await eventually(async () => {
      const rows = await jobRows(pool, [abandoned, poison]);
      return rows.every((row) => row.status === 'Succeeded' || row.status === 'Failed');
    });
    expect(settled).toBe(true);
    const text = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(sample(text, 'ingest_jobs_reclaimed_total')).toBe(1);
    expect(sample(text, 'ingest_job_attempts_total{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'ingest_job_attempts_total{outcome="failed"}')).toBe(1);
    // Two failed attempts of the poison job, and the abandoned attempt the sweep took back.
    expect(sample(text, 'ingest_job_attempts_total{outcome="retry"}')).toBe(3);
    // First claims only: the abandoned job's second claim and the poison job's retries are not waits.
    expect(sample(text, 'ingest_job_queue_wait_seconds_count')).toBe(1);
    expect(sample(text, 'ingest_leases_lost_total')).toBe(0);

    // A small history is counted exactly, not estimated from statistics not gathered yet (which said 0).
    const { rows } = await pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM ingestion_jobs GROUP BY status',
    );
    const counted = Object.fromEntries(rows.map((row) => [row.status, row.n]));
    expect(counted.Failed).toBe(1);
    const countsOf = async () => {
      const now = await scrape(`http://127.0.0.1:${port}/metrics`);
      return {
        Succeeded: sample(now, 'ingest_jobs{status="Succeeded"}'),
        Failed: sample(now, 'ingest_jobs{status="Failed"}'),
      };
    };
    await eventually(async () => (await countsOf()).Failed === 1, 5000);
    expect(await countsOf()).toEqual({ Succeeded: counted.Succeeded, Failed: 1 });
    const estimated = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(sample(estimated, 'ingest_jobs_estimated{status="Succeeded"}')).toBe(0);
    expect(sample(estimated, 'ingest_jobs_estimated{status="Failed"}')).toBe(0);
  });
});
