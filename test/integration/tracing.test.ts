// One trace from the POST to the webhook: real API and worker processes export their spans by OTLP
// (one in http/protobuf, the other in http/json) to a receiver in this test that decodes what they send.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jobRows } from '../support/jobs.js';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlpReceiver.js';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const db = useTestDatabase();
const pool = db.createPool(2);
const otlp = new OtlpReceiver();
const receiver = new WebhookReceiver();
const started: ServiceProcess[] = [];
let base = '';

const tracingEnv = (protocol: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_BSP_SCHEDULE_DELAY: '50',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
});

function start(entry: string, env: Record<string, string>): ServiceProcess {
  const service = startProcess(entry, { ...db.env, ...env });
  started.push(service);
  return service;
}

const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
};

async function post(tenantId: string, traceparent: string): Promise<string> {
  const response = await fetch(`${base}/v1/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent },
    body: JSON.stringify({ tenantId, events: [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }] }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { jobId: string }).jobId;
}

/** Waits for a span named `name` in `traceId` and returns it. */
async function spanNamed(traceId: string, name: string | RegExp): Promise<ReceivedSpan> {
  const matches = (span: ReceivedSpan) =>
    span.traceId === traceId && (typeof name === 'string' ? span.name === name : name.test(span.name));
  const found = await eventually(async () => otlp.spans.some(matches), 20_000);
  expect(found, `no span ${String(name)} in trace ${traceId}: ${JSON.stringify(otlp.trace(traceId))}`).toBe(
    true,
  );
  return otlp.spans.find(matches)!;
}

beforeAll(async () => {
  await otlp.start();
  await receiver.start();
  const port = await freePort();
  const api = start('src/entry/api.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    ...tracingEnv('http/protobuf'),
  });
  await waitForOutput(api, /API listening/);
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await Promise.all([otlp.stop(), receiver.stop()]);
  await pool.end();
});

describe('tracing', () => {
  it('continues a POST’s traceparent through the API, the worker, its processor and the webhook', async () => {
    const endpoint = await fetch(`${base}/admin/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'traced', url: receiver.url() }),
    });
    expect(endpoint.status).toBe(201);
    const worker = start('src/entry/worker.ts', {
      ...tracingEnv('http/json'),
      PROCESSOR_MODULE: 'test/support/tracedProcessor.ts',
    });
    await waitForOutput(worker, /worker started/);
    const client = newTraceparent();
    const jobId = await post('traced', client.header);

    // The API: its request span is the child of the client's, and the insert the child of the request.
    const request = await spanNamed(client.traceId, 'POST /v1/ingestions');
    expect(request).toMatchObject({
      parentSpanId: client.spanId,
      kind: 2,
      service: 'ingest-api',
      encoding: 'protobuf',
    });
    expect(request.attributes['http.response.status_code']).toBe(202);
    const insert = await spanNamed(client.traceId, 'insert ingestion job');
    expect(insert.parentSpanId).toBe(request.spanId);

    // The worker continues the trace the job kept: one job, so claim and job span are children of the request.
    const claim = await spanNamed(client.traceId, 'claim ingestion jobs');
    expect(claim).toMatchObject({ parentSpanId: request.spanId, service: 'ingest-worker', encoding: 'json' });
    const job = await spanNamed(client.traceId, 'process ingestion job');
    expect(job).toMatchObject({ parentSpanId: request.spanId, attributes: { 'ingest.job.id': jobId } });
    // The processor's own span (started with @opentelemetry/api) is the child of the job's span.
    const processorSpan = await spanNamed(client.traceId, 'count events');
    expect(processorSpan.parentSpanId).toBe(job.spanId);
    const complete = await spanNamed(client.traceId, 'complete ingestion jobs');
    expect(complete.parentSpanId).toBe(job.spanId);
    // And the processor was handed the job span's traceparent.
    const { rows } = await pool.query<{ output: { traceparent: string } }>(
      'SELECT output FROM ingestion_jobs WHERE id = $1',
      [jobId],
    );
    expect(rows[0]!.output.traceparent).toBe(`00-${client.traceId}-${job.spanId}-01`);

    // The webhook delivery is a client span of the same trace, and the receiver got its traceparent.
    const delivery = await spanNamed(client.traceId, /^POST 127\.0\.0\.1:/);
    expect(delivery).toMatchObject({ parentSpanId: request.spanId, kind: 3 });
    expect(await eventually(async () => receiver.forJob(jobId).length === 1)).toBe(true);
    expect(receiver.forJob(jobId)[0]!.headers.traceparent).toBe(`00-${client.traceId}-${delivery.spanId}-01`);
    await worker.stop();
  });

  it('links a batch’s claim and completion to each of its jobs’ traces', async () => {
    const clients = [newTraceparent(), newTraceparent(), newTraceparent()];
    const jobIds: string[] = [];
    for (const client of clients) jobIds.push(await post('traced-batch', client.header));
    // One claim loop: the three jobs go in one batch, aggregated in SQL and completed by one statement.
    const worker = start('src/entry/worker.ts', { ...tracingEnv('http/protobuf'), WORKER_CONCURRENCY: '1' });
    await waitForOutput(worker, /worker started/);
    expect(
      await eventually(async () => (await jobRows(pool, jobIds)).every((row) => row.status === 'Succeeded')),
    ).toBe(true);

    const requests = await Promise.all(clients.map((c) => spanNamed(c.traceId, 'POST /v1/ingestions')));
    const jobs = await Promise.all(clients.map((c) => spanNamed(c.traceId, 'process ingestion job')));
    jobs.forEach((job, i) => expect(job.parentSpanId).toBe(requests[i]!.spanId));
    const batchSpan = (name: string) =>
      otlp.spans.find(
        (span) => span.name === name && span.links.some((l) => l.traceId === clients[0]!.traceId),
      );
    expect(await eventually(async () => batchSpan('complete ingestion jobs') !== undefined)).toBe(true);
    // Several traces cannot all be the parent: the batch spans are roots of their own, linked to each job.
    const claim = batchSpan('claim ingestion jobs')!;
    expect(claim.parentSpanId).toBe('');
    expect(claim.links).toEqual(
      expect.arrayContaining(requests.map((r) => ({ traceId: r.traceId, spanId: r.spanId }))),
    );
    const complete = batchSpan('complete ingestion jobs')!;
    expect(complete.parentSpanId).toBe('');
    expect(complete.links).toEqual(
      expect.arrayContaining(jobs.map((j) => ({ traceId: j.traceId, spanId: j.spanId }))),
    );
    expect(complete.attributes['ingest.jobs.count']).toBe(3);
    await worker.stop();
  });

  it('loads none of the OpenTelemetry SDK without OTEL_* settings, and keeps a valid traceparent all the same', async () => {
    const recorder = `--import=${resolve('test/support/importRecorder.mjs')}`;
    const port = await freePort();
    const api = start('src/entry/api.ts', { PORT: String(port), HOST: '127.0.0.1', NODE_OPTIONS: recorder });
    const worker = start('src/entry/worker.ts', { NODE_OPTIONS: recorder });
    await Promise.all([waitForOutput(api, /API listening/), waitForOutput(worker, /worker started/)]);
    const client = newTraceparent();
    const response = await fetch(`http://127.0.0.1:${port}/v1/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: client.header },
      body: JSON.stringify({
        tenantId: 'untraced',
        events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }],
      }),
    });
    const { jobId } = (await response.json()) as { jobId: string };
    expect(await eventually(async () => (await jobRows(pool, [jobId]))[0]!.status === 'Succeeded')).toBe(
      true,
    );
    const { rows } = await pool.query<{ traceparent: string }>(
      'SELECT traceparent FROM ingestion_jobs WHERE id = $1',
      [jobId],
    );
    expect(rows[0]!.traceparent).toBe(client.header);
    // The API package alone (a no-op until an SDK registers; prom-client loads it anyway), never the SDK.
    const sdk = /resolved module .*@opentelemetry\/(?!api\/)/;
    expect(api.output()).not.toMatch(sdk);
    expect(worker.output()).not.toMatch(sdk);
    // The recorder itself works: a process with tracing on does load the SDK.
    const traced = start('src/entry/worker.ts', { ...tracingEnv('http/json'), NODE_OPTIONS: recorder });
    await waitForOutput(traced, /worker started/);
    expect(traced.output()).toMatch(/resolved module .*@opentelemetry\/sdk-trace/);
    // No worker of this test may take the next test's job.
    await Promise.all([api.stop(), worker.stop(), traced.stop()]);
  });
});

describe('tracing with no collector to be reached', () => {
  it('processes jobs and stops cleanly, saying the spans were lost', async () => {
    const closedPort = await freePort();
    const worker = start('src/entry/worker.ts', {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      // The exporter retries a refused connection until its time-out: keep that short here.
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_EXPORT_TIMEOUT: '2000',
    });
    await waitForOutput(worker, /worker started/);
    const jobId = await post('unreachable-collector', newTraceparent().header);
    expect(await eventually(async () => (await jobRows(pool, [jobId]))[0]!.status === 'Succeeded')).toBe(
      true,
    );
    await waitForOutput(worker, /"component":"tracing"/, 60_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
