import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { bundledMigrations, migrateDatabase } from '../../src/data/migrate.js';
import type { Pool } from '../../src/data/pool.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// A database created by the migrations before the partitioned event storage (001–006), holding jobs in
// every status with their events and results, upgraded to the current schema: nothing a client can read
// may change, and its unfinished jobs are processed afterwards as if nothing happened.
const db = useTestDatabase();
const adminToken = 'upgrade-test-admin-token';
let pool: Pool;
let app: FastifyInstance;

const ids = {
  pending: '00000000-0000-4000-8000-000000000001',
  processing: '00000000-0000-4000-8000-000000000002',
  succeeded: '00000000-0000-4000-8000-000000000003',
  failed: '00000000-0000-4000-8000-000000000004',
  retrying: '00000000-0000-4000-8000-000000000005',
  today: '00000000-0000-4000-8000-000000000006',
};
const storageMigration = bundledMigrations().findIndex((m) => m.name === 'event_partitions');

// What clients and operators read, straight from the tables: every column of every row but the new
// partition key.
async function snapshot() {
  const jobs = await pool.query('SELECT * FROM ingestion_jobs ORDER BY id');
  const events = await pool.query(
    'SELECT job_id, seq, type, type_key, occurred_at, payload FROM raw_events ORDER BY job_id, seq',
  );
  const results = await pool.query('SELECT * FROM ingestion_results ORDER BY job_id, event_type');
  return { jobs: jobs.rows, events: events.rows, results: results.rows };
}

let before: Awaited<ReturnType<typeof snapshot>>;
let applied: string[];

beforeAll(async () => {
  pool = db.createPool(4);
  // The test database comes fully migrated; rebuild it as the build before the new storage left it.
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await migrateDatabase(pool, bundledMigrations().slice(0, storageMigration));
  await pool.query(`
    INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, idempotency_key,
                                request_fingerprint, available_at, locked_by, locked_until, error, created_at,
                                updated_at, processed_at, attempted_at) VALUES
      ('${ids.pending}',    'acme',  'Pending',    0, 5, 3, 'order-1', 'fp-1', '2026-10-01T10:00:00Z', NULL, NULL, NULL,
       '2026-10-01T10:00:00Z', '2026-10-01T10:00:00Z', NULL, NULL),
      ('${ids.processing}', 'beta',  'Processing', 1, 5, 1, NULL, NULL, '2026-10-01T10:00:01Z', 'old-worker', now() + interval '1 minute', NULL,
       '2026-10-01T10:00:01Z', '2026-10-01T10:00:02Z', NULL, '2026-10-01T10:00:02Z'),
      ('${ids.succeeded}',  'acme',  'Succeeded',  1, 5, 3, NULL, NULL, '2026-09-30T09:00:00Z', NULL, NULL, NULL,
       '2026-09-30T09:00:00Z', '2026-09-30T09:00:03Z', '2026-09-30T09:00:03Z', NULL),
      ('${ids.failed}',     'gamma', 'Failed',     5, 5, 1, NULL, NULL, '2026-09-29T08:00:00Z', NULL, NULL, 'payload rejected',
       '2026-09-29T08:00:00Z', '2026-09-29T08:05:00Z', '2026-09-29T08:05:00Z', NULL),
      ('${ids.retrying}',   'gamma', 'Pending',    2, 5, 2, NULL, NULL, '2026-09-29T08:06:00Z', NULL, NULL, 'flaky',
       '2026-09-29T08:00:00Z', '2026-09-29T08:05:00Z', NULL, NULL),
      ('${ids.today}',      'acme',  'Pending',    0, 5, 2, NULL, NULL, now(), NULL, NULL, NULL,
       now(), now(), NULL, NULL);
    INSERT INTO raw_events (job_id, seq, type, type_key, occurred_at, payload) VALUES
      ('${ids.pending}',    1, 'clicked', 'CLICKED', '2026-10-01T09:59:00Z', '{"page": "/a"}'),
      ('${ids.pending}',    2, 'viewed',  'VIEWED',  '2026-10-01T09:59:01Z', 'null'),
      ('${ids.pending}',    3, 'Clicked', 'CLICKED', '2026-10-01T09:59:02Z', '{"page": "/b"}'),
      ('${ids.processing}', 1, 'viewed',  'VIEWED',  '2026-10-01T09:59:04Z', '{}'),
      ('${ids.succeeded}',  1, 'Viewed',  'VIEWED',  '2026-09-30T08:59:00Z', '{}'),
      ('${ids.succeeded}',  2, 'clicked', 'CLICKED', '2026-09-30T08:59:10Z', '{}'),
      ('${ids.succeeded}',  3, 'viewed',  'VIEWED',  '2026-09-30T08:59:30Z', '{"n": [1, 2]}'),
      ('${ids.failed}',     1, 'bad',     'BAD',     '2026-09-29T07:59:00Z', '{"x": 1}'),
      ('${ids.retrying}',   1, 'ok',      'OK',      '2026-09-29T07:59:00Z', '{"x": 2}'),
      ('${ids.retrying}',   2, 'OK',      'OK',      '2026-09-29T07:59:01Z', '"text"'),
      ('${ids.today}',      1, 'paid',    'PAID',    now(), '{"amount": 10}'),
      ('${ids.today}',      2, 'paid',    'PAID',    now(), '{"amount": 20}');
    INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp) VALUES
      ('${ids.succeeded}', 'Viewed',  'VIEWED',  2, '2026-09-30T08:59:00Z', '2026-09-30T08:59:30Z'),
      ('${ids.succeeded}', 'clicked', 'CLICKED', 1, '2026-09-30T08:59:10Z', '2026-09-30T08:59:10Z');
  `);
  before = await snapshot();
  applied = (await migrateDatabase(pool)).applied;
  app = await buildTestApp(db, { ADMIN_TOKEN: adminToken });
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

describe('upgrading a database with data to the partitioned event storage', () => {
  it('applies the new migrations and keeps every job, event and result unchanged', async () => {
    expect(applied[0]).toBe(`00${storageMigration + 1}_event_partitions`);
    // Every value as it was; columns added by later migrations (empty for these rows) may come beside them.
    expect(await snapshot()).toMatchObject(before);
  });

  it("puts each event in the partition of its job's creation time", async () => {
    const { rows } = await pool.query<{ partition: string; n: number }>(
      `SELECT e.tableoid::regclass::text AS partition, count(*)::int AS n
       FROM raw_events AS e JOIN ingestion_jobs AS j ON j.id = e.job_id AND e.accepted_at = j.created_at
       GROUP BY 1 ORDER BY 1`,
    );
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    // Jobs accepted before the day of the upgrade share one partition; today's job is in today's.
    expect(rows).toEqual([
      { partition: `raw_events_before_${today}`, n: 10 },
      { partition: `raw_events_p${today}`, n: 2 },
    ]);
  });

  it('serves the same answers to clients and operators', async () => {
    const job = await app.inject({ method: 'GET', url: `/v1/ingestions/${ids.failed}` });
    expect(job.json()).toMatchObject({ status: 'Failed', attempt: 5, error: 'payload rejected' });
    const results = await app.inject({ method: 'GET', url: `/v1/results/${ids.succeeded}` });
    expect(results.json()).toEqual({
      jobId: ids.succeeded,
      status: 'Succeeded',
      results: [
        {
          eventType: 'clicked',
          count: 1,
          firstTimestamp: '2026-09-30T08:59:10.000Z',
          lastTimestamp: '2026-09-30T08:59:10.000Z',
        },
        {
          eventType: 'Viewed',
          count: 2,
          firstTimestamp: '2026-09-30T08:59:00.000Z',
          lastTimestamp: '2026-09-30T08:59:30.000Z',
        },
      ],
    });
    // The admin job page reads the events themselves, from the old rows' partition.
    const page = await app.inject({
      method: 'GET',
      url: `/admin/jobs/${ids.succeeded}`,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(page.statusCode).toBe(200);
    expect(page.json()).toMatchObject({
      eventTypes: [
        { type: 'Viewed', count: 2 },
        { type: 'clicked', count: 1 },
      ],
      firstEvents: [{ seq: 1 }, { seq: 2 }, { seq: 3, payload: { n: [1, 2] } }],
    });
  });

  it('keeps unfinished jobs apart from finished ones, and the idempotency keys taken before', async () => {
    const { rows } = await pool.query<{ id: string; partition: string }>(
      'SELECT id, tableoid::regclass::text AS partition FROM ingestion_jobs ORDER BY id',
    );
    expect(rows).toEqual([
      { id: ids.pending, partition: 'ingestion_jobs_unfinished' },
      { id: ids.processing, partition: 'ingestion_jobs_unfinished' },
      { id: ids.succeeded, partition: 'ingestion_jobs_finished' },
      { id: ids.failed, partition: 'ingestion_jobs_finished' },
      { id: ids.retrying, partition: 'ingestion_jobs_unfinished' },
      { id: ids.today, partition: 'ingestion_jobs_unfinished' },
    ]);
    // The key stored before the upgrade is still taken: another body under it is refused (the old row's
    // fingerprint, 'fp-1', matches no body), and no job is stored.
    const replay = await app.inject({
      method: 'POST',
      url: '/v1/ingestions',
      headers: { 'idempotency-key': 'order-1' },
      payload: {
        tenantId: 'acme',
        events: [{ type: 'clicked', timestamp: '2026-10-01T09:59:00Z', payload: {} }],
      },
    });
    expect(replay.statusCode).toBe(422);
    const { rows: keys } = await pool.query('SELECT * FROM ingestion_idempotency_keys');
    expect(keys).toEqual([{ tenant_id: 'acme', idempotency_key: 'order-1', job_id: ids.pending }]);
  });

  it('processes the unfinished jobs from their stored events afterwards', async () => {
    const claimed = await jobsClaim(pool, 'upgrade-test', 10, 30);
    // The Processing job is still leased by its old worker and is left alone.
    expect(claimed.map((job) => job.id).sort()).toEqual([ids.pending, ids.retrying, ids.today].sort());
    const done = await jobsSucceed(
      pool,
      'upgrade-test',
      claimed.map((job) => job.id),
    );
    expect(done.succeeded.size).toBe(3);
    const counts = async (jobId: string) =>
      (await app.inject({ method: 'GET', url: `/v1/results/${jobId}` })).json<{
        results: { eventType: string; count: number }[];
      }>().results;
    expect(await counts(ids.pending)).toEqual([
      expect.objectContaining({ eventType: 'clicked', count: 2, lastTimestamp: '2026-10-01T09:59:02.000Z' }),
      expect.objectContaining({ eventType: 'viewed', count: 1 }),
    ]);
    expect(await counts(ids.retrying)).toEqual([expect.objectContaining({ eventType: 'ok', count: 2 })]);
    expect(await counts(ids.today)).toEqual([expect.objectContaining({ eventType: 'paid', count: 2 })]);
  });

  it('keeps the job count, and a second migration run changes nothing', async () => {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ingestion_jobs');
    expect(rows[0]!.n).toBe(6);
    expect((await migrateDatabase(pool)).applied).toEqual([]);
  });
});
