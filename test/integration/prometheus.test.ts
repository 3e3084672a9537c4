// A real Prometheus scrapes a real API and a real worker process every second while jobs flow, then
// answers, through its own HTTP API, the questions an operator asks: how many jobs completed, at what
// rate, and how long the backlog is. Proof that the metrics work in the tool that reads them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { externalTool, installPrometheus } from '../support/externalTool.js';
import { eventually } from '../support/jobs.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const prometheusTool = externalTool(
  'prometheus',
  installPrometheus,
  'the tests with a real Prometheus scraping the service',
);
const started: ServiceProcess[] = [];
const tempDir = mkdtempSync(join(tmpdir(), 'ingest-prometheus-'));
let prometheus: ChildProcess | undefined;
let prometheusLog = '';

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((done) => prometheus!.once('exit', done));
    prometheus.kill('SIGTERM');
    await exited;
  }
  rmSync(tempDir, { recursive: true, force: true });
});

/** Asks Prometheus for an instant query's single value; undefined while the result is empty. */
async function query(base: string, promql: string): Promise<number | undefined> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data: { result: Array<{ value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  const [first] = body.data.result;
  return first === undefined ? undefined : Number(first.value[1]);
}

/** Waits until `promql` evaluates to `expected`, and fails with the last value seen otherwise. */
async function expectQuery(base: string, promql: string, expected: (value: number) => boolean) {
  let last: number | undefined;
  const met = await eventually(async () => {
    last = await query(base, promql);
    return last !== undefined && expected(last);
  }, 45_000);
  expect(met, `${promql} ended at ${last}\n${prometheusLog.slice(-2000)}`).toBe(true);
  return last!;
}

async function submit(api: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const response = await fetch(`${api}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: `tenant-${i % 3}`,
        events: [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z', payload: { i } }],
      }),
    });
    expect(response.status).toBe(202);
  }
}

describe.skipIf(prometheusTool.skip)('a real Prometheus scraping the service', () => {
  it('reports the completions, their rate and the backlog that the service really had', async () => {
    const [apiPort, workerPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    const base = `http://127.0.0.1:${prometheusPort}`;
    const config = join(tempDir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        // The shipped alert rules, loaded by the real thing.
        `rule_files: ['${resolve('deploy/prometheus/alerts.yml')}']`,
        'scrape_configs:',
        `  - { job_name: ingest-api, static_configs: [{ targets: ['127.0.0.1:${apiPort}'] }] }`,
        `  - { job_name: ingest-worker, static_configs: [{ targets: ['127.0.0.1:${workerPort}'] }] }`,
        '',
      ].join('\n'),
    );
    prometheus = spawn(
      prometheusTool.require(),
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(tempDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));
    prometheus.stderr!.on('data', (chunk: Buffer) => (prometheusLog += chunk.toString()));

    const apiProcess = startProcess('src/entry/api.ts', {
      ...db.env,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      METRICS_JOB_COUNTS_CACHE_SECONDS: '1',
    });
    started.push(apiProcess);
    await waitForOutput(apiProcess, /API listening/);
    const ready = await eventually(
      async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok === true,
    );
    expect(ready, `Prometheus did not become ready:\n${prometheusLog}`).toBe(true);

    // No worker yet: the jobs wait, and Prometheus sees the backlog and its age.
    await submit(api, 30);
    await expectQuery(base, 'max(ingest_jobs{status="Pending"})', (v) => v === 30);
    await expectQuery(base, 'sum(ingest_jobs_accepted_total)', (v) => v === 30);
    await expectQuery(base, 'time() - max(ingest_oldest_pending_job_timestamp_seconds)', (v) => v > 0);

    // A worker starts and jobs keep flowing while it drains them.
    const worker = startProcess('src/entry/worker.ts', {
      ...db.env,
      HOST: '127.0.0.1',
      METRICS_PORT: String(workerPort),
      METRICS_JOB_COUNTS_CACHE_SECONDS: '1',
    });
    started.push(worker);
    await waitForOutput(worker, /worker started/);
    await expectQuery(base, 'up{job="ingest-worker"}', (v) => v === 1);
    for (let round = 0; round < 5; round += 1) {
      await submit(api, 6);
      await new Promise((done) => setTimeout(done, 700));
    }

    // Exactly the 60 jobs accepted, all succeeded, at a rate above zero, and the backlog is gone.
    await expectQuery(base, 'sum(ingest_jobs_accepted_total)', (v) => v === 60);
    await expectQuery(base, 'sum(ingest_job_attempts_total{outcome="succeeded"})', (v) => v === 60);
    await expectQuery(base, 'sum(ingest_job_attempts_total{outcome=~"failed|retry"})', (v) => v === 0);
    await expectQuery(base, 'sum(rate(ingest_job_attempts_total{outcome="succeeded"}[1m]))', (v) => v > 0);
    await expectQuery(
      base,
      'sum(max by (status) (ingest_jobs{status=~"Pending|Processing"}))',
      (v) => v === 0,
    );
    await expectQuery(base, 'sum(ingest_job_queue_wait_seconds_count)', (v) => v === 60);
    // The first 30 waited for the worker to start: their wait shows in the histogram.
    await expectQuery(base, 'sum(ingest_job_queue_wait_seconds_sum)', (v) => v > 0);
    await expectQuery(base, 'sum(ingest_requests_rejected_total)', (v) => v === 0);

    // The shipped rules loaded, and nothing is firing on a healthy service.
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; state: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.map((rule) => rule.name)).toContain('IngestBacklogOld');
    expect(loaded.filter((rule) => rule.state === 'firing')).toEqual([]);
  });
});
