// What completion webhooks and tracing cost, against the compiled build on the bench's database:
//
//   npm run bench:integrations -- [--rounds=3] [--jobs=20000] [--seconds=10] [--only=webhooks|tracing]
//
// Webhooks: one worker process drains `jobs` pending one-event jobs (a) with no endpoint at all, (b) with
// an endpoint for another tenant only (the drained tenant has none: what tenants without webhooks pay
// once some tenant has one), (c) with an endpoint for the drained tenant, delivering to a local receiver
// that answers 204. Reported: drain jobs/s, the worker's CPU and its database backends' CPU per 1,000
// jobs until the last job finished, and for (c) the time until the last message was delivered.
// Tracing: ingest (100-event requests, 32 connections, `seconds`) and the same drain with tracing off and
// on (OTLP http/protobuf to a local collector that drops what it gets, every span sampled). Modes rotate
// from round to round so the machine's drift hits each alike; medians are printed with every run.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { batchBody } from './batches.js';
import { backlog, insertOneEventJobs, openBenchDatabase, resetTables } from './benchDatabase.js';
import { buildService } from './buildService.js';
import { postLoad } from './loadGenerator.js';
import { cpuSeconds, followBackendCpu } from './processCpu.js';
import { startApi, startWorker } from './serviceProcesses.js';

const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const rounds = option('rounds', 3);
const jobs = option('jobs', 20_000);
const seconds = option('seconds', 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message: string) => process.stderr.write(`[integrations] ${message}\n`);

/** A local HTTP server that answers every request at once with `status`, counting them. */
async function sink(status: number): Promise<{ server: Server; url: string; count: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => requests };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const rotate = <T>(items: T[], round: number) => [
  ...items.slice(round % items.length),
  ...items.slice(0, round % items.length),
];

buildService();
const database = await openBenchDatabase();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
const receiver = await sink(204);
const collector = await sink(200);

async function resetAll(): Promise<void> {
  await client.query('TRUNCATE webhook_deliveries, webhook_endpoints');
  await resetTables(client);
}

async function delivered(): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivered'",
  );
  return rows[0]!.n;
}

type WebhookMode = 'no endpoint' | 'endpoint of another tenant' | 'endpoint';

/** One drain by one worker process; `tracing` adds the OTLP settings. */
async function drain(env: Record<string, string>, mode: WebhookMode = 'no endpoint') {
  await resetAll();
  if (mode !== 'no endpoint') {
    await client.query(
      `INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret)
       VALUES (gen_random_uuid(), $1, $2, ARRAY['ingestion.succeeded', 'ingestion.failed'], $3)`,
      [
        mode === 'endpoint' ? 'bench' : 'someone-else',
        `${receiver.url}/hooks`,
        `whsec_${randomBytes(32).toString('base64')}`,
      ],
    );
  }
  const worker = await startWorker(database.url, { WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env });
  try {
    // Warm-up: JIT, pool, prepared statements, a first delivery.
    await insertOneEventJobs(client, 2000);
    while ((await backlog(client)) > 0) await sleep(20);
    if (mode === 'endpoint') while ((await delivered()) < 2000) await sleep(20);
    const database = await followBackendCpu(client, 'ingest-worker%');
    const cpuBefore = cpuSeconds(worker.pid);
    await insertOneEventJobs(client, jobs);
    const started = performance.now();
    while ((await backlog(client)) > 0) await sleep(20);
    const drainSeconds = (performance.now() - started) / 1000;
    const workerCpu = cpuSeconds(worker.pid) - cpuBefore;
    const { cpuSeconds: databaseCpu } = await database.stop();
    let deliveredSeconds: number | undefined;
    if (mode === 'endpoint') {
      while ((await delivered()) < jobs + 2000) await sleep(20);
      deliveredSeconds = (performance.now() - started) / 1000;
    }
    return {
      jobsPerSec: jobs / drainSeconds,
      workerCpuMsPer1000: (workerCpu * 1e6) / jobs,
      databaseCpuMsPer1000: (databaseCpu * 1e6) / jobs,
      ...(deliveredSeconds === undefined ? {} : { allDeliveredSeconds: deliveredSeconds }),
    };
  } finally {
    await worker.stop();
  }
}

async function ingest(env: Record<string, string>) {
  await resetAll();
  const api = await startApi(database.url, env);
  try {
    const body = batchBody(100);
    await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds: 2 });
    await resetTables(client);
    const cpuBefore = cpuSeconds(api.pid);
    const result = await postLoad({ url: `${api.url}/v1/ingestions`, body, connections: 32, seconds });
    const cpu = cpuSeconds(api.pid) - cpuBefore;
    const events = result.accepted * 100;
    return {
      eventsPerSec: events / result.seconds,
      apiCpuMsPer1000Events: (cpu * 1e6) / events,
      p99Ms: result.p99Ms,
    };
  } finally {
    await api.stop();
  }
}

const tracingOn = {
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_TRACES_SAMPLER: 'always_on',
};
const results: Record<string, Array<Record<string, number>>> = {};
const record = (name: string, figures: Record<string, number>) => {
  (results[name] ??= []).push(figures);
  log(
    `${name}: ${JSON.stringify(figures, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`,
  );
};

try {
  await (await startApi(database.url)).stop();
  for (let round = 0; round < rounds; round += 1) {
    if (only !== 'tracing') {
      const modes: WebhookMode[] = ['no endpoint', 'endpoint of another tenant', 'endpoint'];
      for (const mode of rotate(modes, round)) record(`drain, ${mode}`, await drain({}, mode));
    }
    if (only !== 'webhooks') {
      for (const on of rotate([false, true], round)) {
        record(`ingest, tracing ${on ? 'on' : 'off'}`, await ingest(on ? tracingOn : {}));
        record(`drain, tracing ${on ? 'on' : 'off'}`, await drain(on ? tracingOn : {}));
      }
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, runs]) => [
      name,
      Object.fromEntries(
        Object.keys(runs[0]!).map((key) => [key, Math.round(median(runs.map((r) => r[key]!)) * 10) / 10]),
      ),
    ]),
  );
  process.stderr.write(`\nmedians of ${rounds} rounds, ${jobs} jobs per drain, ${seconds} s of ingest:\n`);
  for (const [name, figures] of Object.entries(summary))
    process.stderr.write(`  ${name.padEnd(36)} ${JSON.stringify(figures)}\n`);
  process.stderr.write(`spans received by the collector: ${collector.count()} requests\n`);
  process.stdout.write(`${JSON.stringify({ rounds, jobs, seconds, summary, runs: results })}\n`);
} finally {
  await client.end();
  receiver.server.close();
  collector.server.close();
  await database.dispose();
}
