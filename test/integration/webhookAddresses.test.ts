// Where a webhook may go, checked where it matters: after name resolution, at every delivery, and on
// the connection itself. Names are resolved by a resolver the test controls; `.test` names exist in no
// real DNS, so a request that reaches the receiver went to the address the delivery loop checked.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookConfig } from '../../src/config/webhookConfig.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { createLogger } from '../../src/log/logger.js';
import { WebhookDispatcher } from '../../src/webhooks/webhookDispatcher.js';
import type { Resolver } from '../../src/webhooks/webhookRequest.js';
import { generateWebhookSecret } from '../../src/webhooks/webhookSecret.js';
import { eventually, insertJob } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { WebhookReceiver } from '../support/webhookReceiver.js';

const db = useTestDatabase();
const pool = db.createPool(3);
const receiver = new WebhookReceiver();
const lookups: string[] = [];
let answers: Record<string, string[]> = {};
const resolver: Resolver = async (host) => {
  lookups.push(host);
  return (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const config: WebhookConfig = {
  allowPrivateUrls: false,
  concurrency: 4,
  endpointConcurrency: 2,
  timeoutSeconds: 2,
  maxAttempts: 1,
  retryBaseSeconds: 0.1,
  pollIntervalMs: 50,
};

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await pool.end();
});

/** Finishes a job of a tenant whose endpoint is `url`, and delivers its message with `settings`. */
async function deliverOnce(url: string, settings: Partial<WebhookConfig>) {
  const tenantId = `tenant-${randomUUID()}`;
  await pool.query(
    'INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret) VALUES ($1, $2, $3, $4, $5)',
    [randomUUID(), tenantId, url, ['ingestion.succeeded'], generateWebhookSecret()],
  );
  const jobId = await insertJob(pool, undefined, { tenantId });
  await jobsClaim(pool, 'test-worker', 1, 30);
  expect((await jobsSucceed(pool, 'test-worker', [jobId])).succeeded).toEqual(new Set([jobId]));
  const dispatcherPool = db.createPool(2);
  const dispatcher = new WebhookDispatcher({
    pool: dispatcherPool,
    owner: 'test-dispatcher',
    config: { ...config, ...settings },
    logger: createLogger('silent', 'test'),
    resolve: resolver,
  });
  dispatcher.start();
  try {
    const done = await eventually(async () => {
      const { rows } = await pool.query<{ status: string }>(
        'SELECT status FROM webhook_deliveries WHERE job_id = $1',
        [jobId],
      );
      return rows[0]?.status !== 'pending';
    }, 15_000);
    expect(done).toBe(true);
  } finally {
    await dispatcher.stop(1000);
    await dispatcherPool.end();
  }
  const { rows } = await pool.query<{ status: string; last_error: string | null }>(
    'SELECT status, last_error FROM webhook_deliveries WHERE job_id = $1',
    [jobId],
  );
  return { jobId, ...rows[0]! };
}

describe('webhook destinations', () => {
  it('refuses a name that resolves to a loopback, private or metadata address, sending nothing', async () => {
    answers = {
      'loopback.test': ['127.0.0.1'],
      'metadata.test': ['169.254.169.254'],
      'mixed.test': ['93.184.216.34', '10.0.0.7'],
    };
    for (const [host, reason] of [
      ['loopback.test', /127\.0\.0\.1 is loopback/],
      ['metadata.test', /169\.254\.169\.254 is link-local/],
      ['mixed.test', /10\.0\.0\.7 is private/],
    ] as const) {
      const before = receiver.requests.length;
      const outcome = await deliverOnce(`https://${host}:${receiver.listeningPort}/hooks`, {});
      expect(outcome.status).toBe('failed');
      expect(outcome.last_error).toMatch(reason);
      expect(outcome.last_error).toMatch(/^refused: /);
      expect(receiver.requests.length).toBe(before);
    }
  });

  it('connects to the address it resolved and checked, not to a second resolution', async () => {
    answers = { 'receiver.test': ['127.0.0.1'] };
    lookups.length = 0;
    const outcome = await deliverOnce(`http://receiver.test:${receiver.listeningPort}/pinned`, {
      allowPrivateUrls: true,
    });
    expect(outcome.status).toBe('delivered');
    const [request] = receiver.forJob(outcome.jobId);
    expect(request!.path).toBe('/pinned');
    expect(request!.headers.host).toBe(`receiver.test:${receiver.listeningPort}`);
    // One resolution per attempt: the socket's own lookup was answered with the checked address.
    expect(lookups).toEqual(['receiver.test']);
  });

  it('sends nothing over plain http:// unless private URLs are allowed', async () => {
    answers = { 'plain.test': ['93.184.216.34'] };
    const outcome = await deliverOnce('http://plain.test/hooks', {});
    expect(outcome.last_error).toMatch(/^refused: http:\/\/ is not allowed/);
  });
});
