// The .NET template's database as it may really be: jobs stamped days ahead of today (a clock set
// wrong), beyond the week of partitions the migrations create, and jobs whose events are gone (deleted
// by hand to save space, or never stored). Adopting it failed with a raw database error on either.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminJobRetry } from '../../src/data/adminJobActions.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { migrateDatabase } from '../../src/data/migrate.js';
import type { Pool } from '../../src/data/pool.js';
import { dailyPartitionName, utcDayStart } from '../../src/domain/partitionPlan.js';
import { partitionNames } from '../support/simulatedJobs.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;
let migrated: string[];
const dayMs = 86_400_000;
const today = utcDayStart(new Date());
const ahead = (days: number) => new Date(today.getTime() + days * dayMs + 3_600_000).toISOString();

const ids = {
  future: '00000000-0000-4000-8000-0000000000a1',
  farFuture: '00000000-0000-4000-8000-0000000000a2',
  pendingBare: '00000000-0000-4000-8000-0000000000b1',
  processingBare: '00000000-0000-4000-8000-0000000000b2',
  succeededBare: '00000000-0000-4000-8000-0000000000b3',
  succeededEmpty: '00000000-0000-4000-8000-0000000000b4',
  failedBare: '00000000-0000-4000-8000-0000000000b5',
};

beforeAll(async () => {
  pool = db.createPool(4);
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await pool.query(readFileSync('test/fixtures/dotnet-template-schema.sql', 'utf8'));
  const past = '2024-08-20T10:00:00Z';
  await pool.query(
    `INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, created_at, updated_at, available_at, error, processed_at)
     VALUES ($1, 'acme', 'Pending',    0, $8, $8, $8, NULL, NULL),
            ($2, 'acme', 'Succeeded',  1, $9, $9, $9, NULL, $9),
            ($3, 'acme', 'Pending',    0, $10, $10, $10, NULL, NULL),
            ($4, 'acme', 'Processing', 1, $10, $10, $10, NULL, NULL),
            ($5, 'acme', 'Succeeded',  1, $10, $10, $10, NULL, $10),
            ($6, 'acme', 'Succeeded',  1, $10, $10, $10, NULL, $10),
            ($7, 'acme', 'Failed',     5, $10, $10, $10, 'payload rejected', $10)`,
    [
      ids.future,
      ids.farFuture,
      ids.pendingBare,
      ids.processingBare,
      ids.succeededBare,
      ids.succeededEmpty,
      ids.failedBare,
      ahead(10),
      ahead(40),
      past,
    ],
  );
  await pool.query(
    `INSERT INTO raw_events (job_id, tenant_id, type, "timestamp", payload_json)
     VALUES ($1, 'acme', 'clicked', '2024-08-20T09:00:00Z', '{}'), ($1, 'acme', 'Clicked', '2024-08-20T09:00:01Z', '{}'),
            ($2, 'acme', 'viewed', '2024-08-20T09:00:02Z', '{}')`,
    [ids.future, ids.farFuture],
  );
  await pool.query(
    `INSERT INTO ingestion_results (job_id, event_type, count) VALUES ($1, 'viewed', 1), ($2, 'clicked', 4), ($2, 'viewed', 3)`,
    [ids.farFuture, ids.succeededBare],
  );
  migrated = (await migrateDatabase(pool)).applied;
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app?.close();
  await pool.end();
});

async function status(jobId: string) {
  const response = await app.inject({ method: 'GET', url: `/v1/ingestions/${jobId}` });
  expect(response.statusCode).toBe(200);
  return response.json<Record<string, unknown>>();
}

describe("adopting a template's database with jobs ahead of today and jobs without events", () => {
  it('adopts it, creating the partitions the events of jobs ahead of today need', async () => {
    expect(migrated.at(-1)).toMatch(/^adopted the .NET template's data: 7 jobs, 3 events, 3 results/);
    const partitions = await partitionNames(pool);
    for (const days of [10, 40]) {
      expect(partitions).toContain(dailyPartitionName(new Date(today.getTime() + days * dayMs)));
    }
    expect(await status(ids.future)).toMatchObject({ status: 'Pending', eventCount: 2 });
    expect(await status(ids.farFuture)).toMatchObject({ status: 'Succeeded', eventCount: 1 });
  });

  it('fails the unfinished jobs without events, saying so; they cannot be retried', async () => {
    for (const id of [ids.pendingBare, ids.processingBare]) {
      const job = await status(id);
      expect(job).toMatchObject({ status: 'Failed', eventCount: 1 });
      expect(job.error).toMatch(/no events/);
      expect(job.processedAt).not.toBeNull();
      expect(await adminJobRetry(pool, id)).toBe(false);
    }
  });

  it('keeps the finished ones as they were, counting the events of their results', async () => {
    expect(await status(ids.succeededBare)).toMatchObject({ status: 'Succeeded', eventCount: 7 });
    const results = await app.inject({ method: 'GET', url: `/v1/results/${ids.succeededBare}` });
    expect(results.json<{ results: Array<{ count: number }> }>().results.map((r) => r.count)).toEqual([4, 3]);
    expect(await status(ids.succeededEmpty)).toMatchObject({ status: 'Succeeded', eventCount: 1 });
    expect(await status(ids.failedBare)).toMatchObject({ status: 'Failed', error: 'payload rejected' });
  });

  it('processes the job ahead of today from its events', async () => {
    await pool.query('UPDATE ingestion_jobs SET available_at = now() WHERE id = $1', [ids.future]);
    const claimed = await jobsClaim(pool, 'adoption-edges', 10, 30);
    expect(claimed.map((job) => job.id)).toEqual([ids.future]);
    expect((await jobsSucceed(pool, 'adoption-edges', [ids.future])).succeeded).toEqual(
      new Set([ids.future]),
    );
    const results = await app.inject({ method: 'GET', url: `/v1/results/${ids.future}` });
    expect(results.json()).toMatchObject({
      status: 'Succeeded',
      results: [{ eventType: 'clicked', count: 2 }],
    });
  });
});
