// Completion webhooks end to end in this process: the admin API makes endpoints, a real worker (with its
// delivery loop) finishes jobs and POSTs their messages to a real HTTP receiver, which verifies them
// with the Standard Webhooks reference library as a receiver would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { jobsDeleteExpired } from '../../src/data/jobRetention.js';
import { startWorker } from '../../src/entry/workerService.js';
import type { Running } from '../../src/entry/services.js';
import { createLogger } from '../../src/log/logger.js';
import { MetricsRegistry } from '../../src/metrics/metricsRegistry.js';
import { PermanentJobError } from '../../src/processing/processor.js';
import { eventually, insertJob, jobRows } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';
import { messageOf, verifyMessage, WebhookReceiver } from '../support/webhookReceiver.js';

const db = useTestDatabase();
const pool = db.createPool(4);
const receiver = new WebhookReceiver();
const metrics = new MetricsRegistry(true);
let app: FastifyInstance;
let worker: Running;

// Fast retries (0.2 s, 0.4 s …) and a short time-out, so a day's schedule fits a test.
const env = {
  HOST: '127.0.0.1',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_RETRY_BASE_SECONDS: '0.2',
  WEBHOOK_TIMEOUT_SECONDS: '2',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  POLL_INTERVAL_MS: '100',
};

beforeAll(async () => {
  await receiver.start();
  app = await buildTestApp(db, env);
  const config = loadConfig({ ...env, ...db.env });
  worker = await startWorker(config, db.config, createLogger('silent', 'test-worker'), {
    metrics,
    hooks: {
      // Jobs of tenant "doomed" fail for good: their tenant hears ingestion.failed.
      beforeComplete: (job) => {
        if (job.tenantId === 'doomed') throw new PermanentJobError('the payload makes no sense');
      },
    },
  });
});

afterAll(async () => {
  await worker.stop();
  await app.close();
  await receiver.stop();
  await pool.end();
});

async function createEndpoint(body: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/admin/webhooks', payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; secret: string; events: string[] }>();
}

async function submit(tenantId: string, events = [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }]) {
  const response = await app.inject({ method: 'POST', url: '/v1/ingestions', payload: { tenantId, events } });
  expect(response.statusCode).toBe(202);
  return response.json<{ jobId: string }>().jobId;
}

const deliveredRows = (jobIds: readonly string[]) =>
  pool.query<{ job_id: string; status: string; attempt: number }>(
    'SELECT job_id, status, attempt FROM webhook_deliveries WHERE job_id = ANY($1::uuid[])',
    [jobIds],
  );

describe('webhook endpoints in the admin API', () => {
  it('makes an endpoint with a whsec_ secret shown once, lists it without, and refuses what is unsafe', async () => {
    const created = await createEndpoint({ tenantId: 'listing', url: receiver.url('/listing') });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.events).toEqual(['ingestion.succeeded', 'ingestion.failed']);
    const list = await app.inject({ method: 'GET', url: '/admin/webhooks?tenant=listing' });
    expect(list.json().endpoints).toEqual([expect.objectContaining({ id: created.id, pending: 0 })]);
    expect(list.body).not.toContain('whsec_');

    const strict = await buildTestApp(db, { HOST: '127.0.0.1' });
    try {
      for (const [url, field] of [
        ['http://example.com/hooks', /https:\/\//],
        ['https://127.0.0.1/hooks', /loopback/],
        ['https://169.254.169.254/latest/meta-data', /link-local/],
        ['https://[::ffff:10.0.0.1]/hooks', /private/],
        ['https://localhost:8443/hooks', /localhost/],
        ['https://user:pw@example.com/hooks', /user name or password/],
        ['not a url', /absolute URL/],
      ] as const) {
        const refused = await strict.inject({
          method: 'POST',
          url: '/admin/webhooks',
          payload: { tenantId: 'acme', url },
        });
        expect(refused.statusCode, url).toBe(400);
        expect(refused.json().title).toBe('Invalid webhook endpoint');
        expect(refused.json().errors.url[0]).toMatch(field);
      }
      const unknownEvent = await strict.inject({
        method: 'POST',
        url: '/admin/webhooks',
        payload: { tenantId: 'acme', url: 'https://example.com/hooks', events: ['job.exploded'] },
      });
      expect(unknownEvent.statusCode).toBe(400);
    } finally {
      await strict.close();
    }

    const readOnly = await buildTestApp(db, { ...env, DASHBOARD_READ_ONLY: 'true' });
    try {
      const refused = await readOnly.inject({
        method: 'POST',
        url: '/admin/webhooks',
        payload: { tenantId: 'acme', url: receiver.url() },
      });
      expect(refused.statusCode).toBe(403);
      const enable = await readOnly.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/enable` });
      expect(enable.statusCode).toBe(403);
    } finally {
      await readOnly.close();
    }

    const deleted = await app.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}` });
    expect(deleted.json()).toEqual({ id: created.id, deleted: true });
    expect((await app.inject({ method: 'DELETE', url: `/admin/webhooks/${created.id}` })).statusCode).toBe(
      404,
    );
  });
});

describe('delivery', () => {
  it('gets every job’s message to a receiver that fails its first answers, signed, with one id across retries', async () => {
    const { secret } = await createEndpoint({ tenantId: 'flaky-receiver', url: receiver.url('/flaky') });
    // Per job: 500, then 503 with Retry-After, then 200.
    const seen = new Map<string, number>();
    receiver.answer = (request) => {
      if (request.path !== '/flaky') return { status: 200 };
      const id = String(request.headers['webhook-id']);
      const count = (seen.get(id) ?? 0) + 1;
      seen.set(id, count);
      if (count === 1) return { status: 500, body: 'database on fire' };
      if (count === 2) return { status: 503, headers: { 'retry-after': '1' } };
      return { status: 204 };
    };
    const jobIds = await Promise.all(
      Array.from({ length: 5 }, (_, n) =>
        submit('flaky-receiver', [
          { type: 'clicked', timestamp: '2024-05-01T12:00:00Z' },
          { type: 'Clicked', timestamp: `2024-05-01T12:00:0${n}Z` },
          { type: 'viewed', timestamp: '2024-05-01T12:00:01Z' },
        ]),
      ),
    );
    const delivered = await eventually(async () => {
      const { rows } = await deliveredRows(jobIds);
      return rows.length === 5 && rows.every((row) => row.status === 'delivered');
    }, 30_000);
    expect(delivered).toBe(true);

    for (const jobId of jobIds) {
      const requests = receiver.forJob(jobId);
      expect(requests).toHaveLength(3);
      // One id and the same bytes on every attempt; each attempt signed anew, and verified as a receiver would.
      expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(new Set(requests.map((r) => r.body)).size).toBe(1);
      expect(String(requests[0]!.headers['webhook-id'])).toMatch(/^msg_[0-9a-f]{32}$/);
      for (const request of requests) {
        expect(request.method).toBe('POST');
        expect(request.headers['content-type']).toBe('application/json');
        expect(verifyMessage(request, secret).data.jobId).toBe(jobId);
      }
      // Retry-After: 1 was honoured: the third attempt came at least a second after the second.
      expect(requests[2]!.receivedAt - requests[1]!.receivedAt).toBeGreaterThanOrEqual(950);
      const message = messageOf(requests[0]!);
      expect(message).toMatchObject({
        type: 'ingestion.succeeded',
        data: {
          jobId,
          tenantId: 'flaky-receiver',
          status: 'Succeeded',
          attempt: 1,
          eventCount: 3,
          error: null,
        },
      });
      expect(message.data.results.map((r) => [r.eventType, r.count])).toEqual([
        ['clicked', 2],
        ['viewed', 1],
      ]);
      expect(message.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }

    // The job's admin view has every attempt: status, duration, error.
    const view = await app.inject({ method: 'GET', url: `/admin/jobs/${jobIds[0]}/webhooks` });
    expect(view.statusCode).toBe(200);
    const [webhook] = view.json().webhooks;
    expect(webhook).toMatchObject({ status: 'delivered', attempt: 3, eventType: 'ingestion.succeeded' });
    expect(webhook.webhookId).toBe(receiver.forJob(jobIds[0]!)[0]!.headers['webhook-id']);
    expect(webhook.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 503, 204]);
    expect(webhook.attempts[0].error).toBe('answered 500: database on fire');
    expect(webhook.attempts.every((a: { durationMs: number }) => a.durationMs >= 0)).toBe(true);

    const exposition = (await metrics.exposition()).body;
    expect(exposition).toMatch(/^ingest_webhook_delivered_total [1-9]/m);
    expect(exposition).toMatch(/^ingest_webhook_failed_total [1-9]/m);
    expect(exposition).toMatch(/^ingest_webhook_backlog_age_seconds /m);
  });

  it('tells a tenant its job failed, and writes nothing for a tenant without an endpoint', async () => {
    const { secret } = await createEndpoint({
      tenantId: 'doomed',
      url: receiver.url('/doomed'),
      events: ['ingestion.failed'],
    });
    receiver.answer = () => ({ status: 200 });
    const doomed = await submit('doomed');
    const quiet = await submit('no-endpoint');
    expect(await eventually(async () => receiver.forJob(doomed).length === 1)).toBe(true);
    const message = verifyMessage(receiver.forJob(doomed)[0]!, secret);
    expect(message).toMatchObject({ type: 'ingestion.failed', data: { status: 'Failed', results: [] } });
    expect(message.data.error).toMatch(/failed permanently: the payload makes no sense/);

    expect(await eventually(async () => (await jobRows(pool, [quiet]))[0]!.status === 'Succeeded')).toBe(
      true,
    );
    expect((await deliveredRows([quiet])).rows).toEqual([]);
  });

  it('signs with both secrets after a rotation, and sends a message again on request with the same id', async () => {
    const created = await createEndpoint({ tenantId: 'rotating', url: receiver.url('/rotating') });
    const rotated = await app.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/rotate` });
    expect(rotated.statusCode).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.json<{
      secret: string;
      previousSecretExpiresAt: string;
    }>();
    expect(secret).not.toBe(created.secret);
    expect(Date.parse(previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    const jobId = await submit('rotating');
    expect(await eventually(async () => receiver.forJob(jobId).length === 1)).toBe(true);
    const [first] = receiver.forJob(jobId);
    expect(String(first!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    verifyMessage(first!, secret);
    verifyMessage(first!, created.secret);

    const { webhooks } = (await app.inject({ method: 'GET', url: `/admin/jobs/${jobId}/webhooks` })).json();
    const resent = await app.inject({
      method: 'POST',
      url: `/admin/webhooks/messages/${webhooks[0].webhookId}/resend`,
    });
    expect(resent.json()).toEqual({ webhookId: webhooks[0].webhookId, status: 'pending' });
    expect(await eventually(async () => receiver.forJob(jobId).length === 2)).toBe(true);
    expect(receiver.forJob(jobId)[1]!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(receiver.forJob(jobId)[1]!.body).toBe(first!.body);
    const unknown = await app.inject({
      method: 'POST',
      url: `/admin/webhooks/messages/msg_${'0'.repeat(32)}/resend`,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('disables an endpoint that answers 410 Gone, gives up its waiting messages, and enables it again', async () => {
    const created = await createEndpoint({ tenantId: 'gone', url: receiver.url('/gone') });
    receiver.answer = (request) => (request.path === '/gone' ? { status: 410 } : { status: 200 });
    const first = await submit('gone');
    expect(await eventually(async () => (await deliveredRows([first])).rows[0]?.status === 'failed')).toBe(
      true,
    );
    const list = (await app.inject({ method: 'GET', url: '/admin/webhooks?tenant=gone' })).json();
    expect(list.endpoints[0]).toMatchObject({ id: created.id, disabledReason: 'it answered 410 Gone' });
    expect(list.endpoints[0].disabledAt).not.toBeNull();
    // Nothing more is written for it.
    const second = await submit('gone');
    expect(await eventually(async () => (await jobRows(pool, [second]))[0]!.status === 'Succeeded')).toBe(
      true,
    );
    expect((await deliveredRows([second])).rows).toEqual([]);
    expect(receiver.forJob(second)).toEqual([]);

    // The receiver is back: turned on again, with the same id, it gets the jobs that finish from now on.
    receiver.answer = () => ({ status: 200 });
    const enabled = await app.inject({ method: 'POST', url: `/admin/webhooks/${created.id}/enable` });
    expect(enabled.json()).toEqual({ id: created.id, enabled: true });
    const after = (await app.inject({ method: 'GET', url: '/admin/webhooks?tenant=gone' })).json();
    expect(after.endpoints[0]).toMatchObject({ id: created.id, disabledAt: null, disabledReason: null });
    const third = await submit('gone');
    expect(await eventually(async () => receiver.forJob(third).length === 1)).toBe(true);
    expect(receiver.forJob(second)).toEqual([]);
    const unknown = await app.inject({
      method: 'POST',
      url: '/admin/webhooks/00000000-0000-4000-8000-000000000000/enable',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('follows no redirect, reads a large answer only to its limit, and gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    await createEndpoint({ tenantId: 'redirecting', url: receiver.url('/redirecting') });
    receiver.answer = (request) =>
      request.path === '/redirecting'
        ? { status: 302, headers: { location: receiver.url('/elsewhere') }, body: 'x'.repeat(1_000_000) }
        : { status: 200 };
    const jobId = await submit('redirecting');
    expect(await eventually(async () => (await deliveredRows([jobId])).rows[0]?.status === 'failed')).toBe(
      true,
    );
    expect(receiver.requests.filter((r) => r.path === '/elsewhere')).toEqual([]);
    const { webhooks } = (await app.inject({ method: 'GET', url: `/admin/jobs/${jobId}/webhooks` })).json();
    expect(webhooks[0].attempts).toHaveLength(4);
    expect(webhooks[0].lastError).toMatch(/^answered 302 \(redirects are not followed\): x{200}$/);
  });

  it('keeps a slow receiver from holding up processing or another tenant’s messages', async () => {
    await createEndpoint({ tenantId: 'slow-receiver', url: receiver.url('/slow') });
    await createEndpoint({ tenantId: 'fast-receiver', url: receiver.url('/fast') });
    // The slow receiver never answers: each attempt waits for WEBHOOK_TIMEOUT_SECONDS (2 s).
    receiver.answer = (request) =>
      request.path === '/slow' ? { status: 200, delayMs: Infinity } : { status: 200 };
    const slowJobs = await Promise.all(Array.from({ length: 30 }, () => submit('slow-receiver')));
    await eventually(async () => receiver.requests.some((r) => r.path === '/slow'));
    const started = Date.now();
    const fastJobs = await Promise.all(Array.from({ length: 5 }, () => submit('fast-receiver')));
    expect(
      await eventually(async () => fastJobs.every((id) => receiver.forJob(id).length === 1), 10_000),
    ).toBe(true);
    // Well within one time-out of the slow receiver: its messages did not stand in the way.
    expect(Date.now() - started).toBeLessThan(5_000);
    const rows = await jobRows(pool, slowJobs);
    expect(rows.every((row) => row.status === 'Succeeded')).toBe(true);
    // At most WEBHOOK_ENDPOINT_CONCURRENCY (4) of the slow receiver's messages were on their way at once:
    // within the first attempts' time-out (2 s) it got no more than 4.
    const slow = receiver.requests.filter((r) => r.path === '/slow');
    expect(slow.filter((r) => r.receivedAt < slow[0]!.receivedAt + 1500).length).toBeLessThanOrEqual(4);
  });
});

describe('docs/webhooks.md', () => {
  it('verifies a real delivery with its snippet, and refuses a tampered or a stale one', async () => {
    const snippet = /<!-- doc-test: verify-webhook -->\s*\n```js\n([\s\S]*?)\n```/.exec(
      readFileSync('docs/webhooks.md', 'utf8'),
    )![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'verify-webhook-'));
    try {
      writeFileSync(join(dir, 'verify.mjs'), snippet);
      const { verifyWebhook } = (await import(pathToFileURL(join(dir, 'verify.mjs')).href)) as {
        verifyWebhook: (
          secret: string,
          headers: Record<string, unknown>,
          body: string,
        ) => { data: { jobId: string } };
      };
      const { secret } = await createEndpoint({ tenantId: 'docs-snippet', url: receiver.url('/docs') });
      receiver.answer = () => ({ status: 200 });
      const jobId = await submit('docs-snippet');
      expect(await eventually(async () => receiver.forJob(jobId).length === 1)).toBe(true);
      const [delivery] = receiver.forJob(jobId);
      expect(verifyWebhook(secret, delivery!.headers, delivery!.body).data.jobId).toBe(jobId);
      expect(() =>
        verifyWebhook(secret, delivery!.headers, delivery!.body.replace('Succeeded', 'Failed')),
      ).toThrow('invalid signature');
      const { secret: other } = await createEndpoint({
        tenantId: 'docs-snippet-2',
        url: receiver.url('/docs'),
      });
      expect(() => verifyWebhook(other, delivery!.headers, delivery!.body)).toThrow('invalid signature');
      const stale = {
        ...delivery!.headers,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600),
      };
      expect(() => verifyWebhook(secret, stale, delivery!.body)).toThrow('stale');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('retention', () => {
  it('deletes a job’s webhook messages with the job', async () => {
    await createEndpoint({ tenantId: 'retained', url: receiver.url('/retained') });
    const jobId = await submit('retained');
    expect(await eventually(async () => (await deliveredRows([jobId])).rows[0]?.status === 'delivered')).toBe(
      true,
    );
    const future = new Date(Date.now() + 86_400_000);
    await jobsDeleteExpired(pool, future, future, 10_000);
    expect(await jobRows(pool, [jobId])).toEqual([]);
    expect((await deliveredRows([jobId])).rows).toEqual([]);
  });

  it('writes nothing for a job finished before its tenant had an endpoint', async () => {
    const jobId = await insertJob(pool, undefined, { tenantId: 'late-endpoint' });
    expect(await eventually(async () => (await jobRows(pool, [jobId]))[0]!.status === 'Succeeded')).toBe(
      true,
    );
    await createEndpoint({ tenantId: 'late-endpoint', url: receiver.url('/late') });
    expect((await deliveredRows([jobId])).rows).toEqual([]);
  });
});
