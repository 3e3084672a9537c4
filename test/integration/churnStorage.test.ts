import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Migration 008 (issue 13 part 4): new jobs go to fresh pages at the end of ingestion_jobs, not into the
// small holes every page of finished jobs keeps. With millions of finished jobs those holes are spread
// over gigabytes, and a new job in each meant a cold page read and a full-page WAL image per job.
const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;

beforeAll(async () => {
  pool = db.createPool(1);
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

const block = '(ctid::text::point)[0]::int';

it('puts new jobs on pages of their own, after the finished jobs, not into the holes between them', async () => {
  // Finished jobs as the worker leaves them (about 330 bytes a row: 24 to a page, a hole of about 190
  // bytes in each), then VACUUM, which records those holes in the free space map as autovacuum would.
  await pool.query(
    `INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, processed_at,
                                 attempted_at, attempts)
     SELECT gen_random_uuid(), 'history', 'Succeeded', 1, 5, 1, now(), now(),
            jsonb_build_array(jsonb_build_object('attempt', 1, 'startedAt', now(), 'endedAt', now(),
              'worker', 'history/1/0a1b2c3d', 'outcome', 'succeeded', 'error', NULL))
     FROM generate_series(1, 3000)`,
  );
  await pool.query('VACUUM ingestion_jobs');
  const { rows: history } = await pool.query<{ pages: number; last: number }>(
    `SELECT count(DISTINCT ${block})::int AS pages, max(${block})::int AS last FROM ingestion_jobs`,
  );
  expect(history[0]!.pages).toBeGreaterThan(100);

  for (let i = 0; i < 20; i += 1) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/ingestions',
      payload: {
        tenantId: 'new',
        events: [{ type: 'clicked', timestamp: '2026-12-02T10:00:00Z', payload: {} }],
      },
    });
    expect(response.statusCode).toBe(202);
  }
  const { rows } = await pool.query<{ pages: number; first: number; last_history: number }>(
    `SELECT count(DISTINCT ${block})::int AS pages, min(${block})::int AS first,
            (SELECT max(${block})::int FROM ingestion_jobs WHERE tenant_id = 'history') AS last_history
     FROM ingestion_jobs WHERE tenant_id = 'new'`,
  );
  // Without the fillfactor the free space map hands out the holes: 20 jobs on 20 old pages. With it they
  // share the last, partly filled, page of the history and the ones after it.
  expect(rows[0]!.first).toBeGreaterThanOrEqual(rows[0]!.last_history);
  expect(rows[0]!.pages).toBeLessThanOrEqual(2);
});
