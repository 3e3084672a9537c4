import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { migrateDatabase } from '../../src/data/migrate.js';
import type { Pool } from '../../src/data/pool.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// A database created and used by the .NET template, then handed to this service: it must adopt it.
const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;
let migrated: string[];

const ids = {
  pending: '00000000-0000-4000-8000-000000000001',
  pendingKeyed: '00000000-0000-4000-8000-000000000002',
  processing: '00000000-0000-4000-8000-000000000003',
  succeeded: '00000000-0000-4000-8000-000000000004',
  failed: '00000000-0000-4000-8000-000000000005',
  retrying: '00000000-0000-4000-8000-000000000006',
};

beforeAll(async () => {
  pool = db.createPool(4);
  // The test database comes migrated; replace its schema with the template's own.
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await pool.query(readFileSync('test/fixtures/dotnet-template-schema.sql', 'utf8'));
  await pool.query(`
    INSERT INTO ingestion_jobs (id, tenant_id, idempotency_key, status, attempt, created_at, updated_at,
                                available_at, locked_at, locked_by, error, processed_at) VALUES
      ('${ids.pending}',      'acme',  NULL,       'Pending',    0, '2024-08-20T10:00:00Z', '2024-08-20T10:00:00Z', '2024-08-20T10:00:00Z', NULL, NULL, NULL, NULL),
      ('${ids.pendingKeyed}', 'acme',  'order-42', 'Pending',    0, '2024-08-20T10:00:01Z', '2024-08-20T10:00:01Z', NULL,                   NULL, NULL, NULL, NULL),
      ('${ids.processing}',   'beta',  NULL,       'Processing', 2, '2024-08-20T10:00:02Z', '2024-08-20T10:00:05Z', '2024-08-20T10:00:04Z', '2024-08-20T10:00:05Z', 'old-worker', 'timeout', NULL),
      ('${ids.succeeded}',    'acme',  'order-41', 'Succeeded',  1, '2024-08-20T09:00:00Z', '2024-08-20T09:00:03Z', '2024-08-20T09:00:00Z', NULL, NULL, NULL, '2024-08-20T09:00:03Z'),
      ('${ids.failed}',       'gamma', NULL,       'Failed',     5, '2024-08-20T08:00:00Z', '2024-08-20T08:05:00Z', '2024-08-20T08:04:00Z', NULL, NULL, 'payload rejected', '2024-08-20T08:05:00Z'),
      ('${ids.retrying}',     'gamma', NULL,       'Pending',    5, '2024-08-20T08:00:00Z', '2024-08-20T08:05:00Z', '2024-08-20T08:06:00Z', NULL, NULL, 'flaky', NULL);
    INSERT INTO raw_events (job_id, tenant_id, type, "timestamp", payload_json) VALUES
      ('${ids.pending}',      'acme',  'clicked', '2024-08-20T09:59:00Z', '{"page": "/a"}'),
      ('${ids.pending}',      'acme',  'viewed',  '2024-08-20T09:59:01Z', 'null'),
      ('${ids.pending}',      'acme',  'Clicked', '2024-08-20T09:59:02Z', '{"page": "/b"}'),
      ('${ids.pendingKeyed}', 'acme',  'paid',    '2024-08-20T09:59:03Z', '{"amount": 10}'),
      ('${ids.processing}',   'beta',  'viewed',  '2024-08-20T09:59:04Z', '{}'),
      ('${ids.succeeded}',    'acme',  'Viewed',  '2024-08-20T08:59:00Z', '{}'),
      ('${ids.succeeded}',    'acme',  'viewed',  '2024-08-20T08:59:30Z', '{}'),
      ('${ids.succeeded}',    'acme',  'clicked', '2024-08-20T08:59:10Z', '{}'),
      ('${ids.failed}',       'gamma', 'bad',     '2024-08-20T07:59:00Z', '{"x": 1}'),
      ('${ids.retrying}',     'gamma', 'ok',      '2024-08-20T07:59:00Z', '{"x": 2}');
    INSERT INTO ingestion_results (job_id, event_type, count) VALUES
      ('${ids.succeeded}', 'Viewed', 2),
      ('${ids.succeeded}', 'clicked', 1);
  `);
  migrated = (await migrateDatabase(pool)).applied;
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

async function status(jobId: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/ingestions/${jobId}` });
  expect(response.statusCode).toBe(200);
  return response.json<Record<string, unknown>>();
}

describe("adopting the .NET template's database", () => {
  it('migrates it and says what it carried over', () => {
    expect(migrated).toContain('001_initial');
    expect(migrated.at(-1)).toMatch(/^adopted the .NET template's data: 6 jobs, 10 events, 2 results/);
  });

  it('keeps every job as clients read it, handing a job that was being processed back as Pending', async () => {
    expect(await status(ids.succeeded)).toMatchObject({
      status: 'Succeeded',
      attempt: 1,
      tenantId: 'acme',
      eventCount: 3,
      createdAt: '2024-08-20T09:00:00.000Z',
      processedAt: '2024-08-20T09:00:03.000Z',
      error: null,
    });
    expect(await status(ids.failed)).toMatchObject({
      status: 'Failed',
      attempt: 5,
      error: 'payload rejected',
    });
    expect(await status(ids.processing)).toMatchObject({ status: 'Pending', attempt: 2, error: 'timeout' });
    expect(await status(ids.pendingKeyed)).toMatchObject({
      status: 'Pending',
      availableAt: '2024-08-20T10:00:01.000Z',
    });
    // A job that used all the template's default attempts and was still to be retried keeps one more.
    expect(await status(ids.retrying)).toMatchObject({ status: 'Pending', attempt: 5, maxAttempts: 6 });
  });

  it("serves the template's results, with first and last timestamps taken from the stored events", async () => {
    const response = await app.inject({ method: 'GET', url: `/v1/results/${ids.succeeded}` });
    expect(response.json()).toEqual({
      jobId: ids.succeeded,
      status: 'Succeeded',
      results: [
        {
          eventType: 'clicked',
          count: 1,
          firstTimestamp: '2024-08-20T08:59:10.000Z',
          lastTimestamp: '2024-08-20T08:59:10.000Z',
        },
        {
          eventType: 'Viewed',
          count: 2,
          firstTimestamp: '2024-08-20T08:59:00.000Z',
          lastTimestamp: '2024-08-20T08:59:30.000Z',
        },
      ],
    });
  });

  it("processes the template's pending jobs with their events in submission order", async () => {
    const claimed = await jobsClaim(pool, 'adoption-test', 10, 30);
    expect(claimed.map((job) => job.id).sort()).toEqual(
      [ids.pending, ids.pendingKeyed, ids.processing, ids.retrying].sort(),
    );
    await jobsSucceed(
      pool,
      'adoption-test',
      claimed.map((job) => job.id),
    );
    const response = await app.inject({ method: 'GET', url: `/v1/results/${ids.pending}` });
    expect(response.json<{ results: unknown[] }>().results).toEqual([
      expect.objectContaining({ eventType: 'clicked', count: 2, lastTimestamp: '2024-08-20T09:59:02.000Z' }),
      expect.objectContaining({ eventType: 'viewed', count: 1 }),
    ]);
  });

  it("answers a replay of the template's idempotency key with its job", async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/ingestions',
      headers: { 'idempotency-key': 'order-42' },
      payload: {
        tenantId: 'acme',
        events: [{ type: 'paid', timestamp: '2024-08-20T09:59:03Z', payload: { amount: 10 } }],
      },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ jobId: ids.pendingKeyed });
    expect(response.headers['idempotent-replayed']).toBe('true');
  });

  it('keeps the template tables aside, and a second migration run changes nothing', async () => {
    const { rows } = await pool.query<{ count: string }>(
      'SELECT count(*) FROM dotnet_template_ingestion_jobs',
    );
    expect(Number(rows[0]!.count)).toBe(6);
    expect((await migrateDatabase(pool)).applied).toEqual([]);
  });
});
