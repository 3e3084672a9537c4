import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminJobCancel } from '../../src/data/adminJobActions.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import { isMovedRowConflict } from '../../src/data/movedRowRetry.js';
import type { Pool } from '../../src/data/pool.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

// Migration 011 (issue 13 part 4): ingestion_jobs is partitioned by status, so storing, claiming and
// leasing a job write only into the small partition of unfinished jobs and never into the indexes of
// the whole history; a job's row moves into the history once, when it finishes.
const db = useTestDatabase();
let pool: Pool;
let app: FastifyInstance;

beforeAll(async () => {
  pool = db.createPool(4);
  app = await buildTestApp(db);
});

afterAll(async () => {
  await app.close();
  await pool.end();
});

async function submit(tenantId: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers,
    payload: { tenantId, events: [{ type: 'clicked', timestamp: '2026-12-02T10:00:00Z', payload: {} }] },
  });
  expect(response.statusCode).toBe(202);
  return response.json<{ jobId: string }>().jobId;
}

async function partitionsOf(tenantId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ partition: string; n: number }>(
    `SELECT tableoid::regclass::text AS partition, count(*)::int AS n
     FROM ingestion_jobs WHERE tenant_id = $1 GROUP BY 1`,
    [tenantId],
  );
  return Object.fromEntries(rows.map((row) => [row.partition, row.n]));
}

it('stores new jobs apart from the finished ones and moves each into the history as it finishes', async () => {
  await pool.query(
    `INSERT INTO ingestion_jobs (id, tenant_id, status, attempt, max_attempts, event_count, processed_at,
                                 attempted_at)
     SELECT gen_random_uuid(), 'history', 'Succeeded', 1, 5, 1, now(), now() FROM generate_series(1, 3000)`,
  );
  for (let i = 0; i < 20; i += 1) await submit('new');
  expect(await partitionsOf('history')).toEqual({ ingestion_jobs_finished: 3000 });
  expect(await partitionsOf('new')).toEqual({ ingestion_jobs_unfinished: 20 });

  const claimed = await jobsClaim(pool, 'partition-test', 50, 30);
  expect(claimed).toHaveLength(20);
  expect(await partitionsOf('new')).toEqual({ ingestion_jobs_unfinished: 20 });
  const done = await jobsSucceed(
    pool,
    'partition-test',
    claimed.map((job) => job.id),
  );
  expect(done.succeeded.size).toBe(20);
  expect(await partitionsOf('new')).toEqual({ ingestion_jobs_finished: 20 });
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ingestion_results AS r JOIN ingestion_jobs AS j ON j.id = r.job_id
     WHERE j.tenant_id = 'new' AND j.status = 'Succeeded'`,
  );
  expect(rows[0]!.n).toBe(20);
});

it("answers a replay of a finished job's idempotency key with that job", async () => {
  const first = await submit('replay', { 'idempotency-key': 'order-7' });
  const claimed = await jobsClaim(pool, 'partition-test', 50, 30);
  expect((await jobsSucceed(pool, 'partition-test', [first])).succeeded).toEqual(new Set([first]));
  expect(claimed.map((job) => job.id)).toContain(first);
  expect(await partitionsOf('replay')).toEqual({ ingestion_jobs_finished: 1 });
  // The key lives outside both partitions (ingestion_idempotency_keys), so the move did not free it.
  expect(await submit('replay', { 'idempotency-key': 'order-7' })).toBe(first);
  expect(await partitionsOf('replay')).toEqual({ ingestion_jobs_finished: 1 });
});

it('decides again when a row it waited for moved to the other partition meanwhile', async () => {
  const finish = `UPDATE ingestion_jobs SET status = 'Failed', processed_at = now(), error = 'cancelled by an operator'
                  WHERE id = $1 AND status = 'Pending'`;
  // Another session finishes the job (moving its row to the history) and holds the row's lock until it
  // commits; a statement that reached the row meanwhile waits for it, then finds the row gone.
  async function raceWithMove<T>(statement: (jobId: string) => Promise<T>): Promise<T> {
    const jobId = await submit('moved');
    const mover = await pool.connect();
    try {
      await mover.query('BEGIN');
      await mover.query(finish, [jobId]);
      const outcome = statement(jobId).catch((error: unknown) => error);
      await waitForLockWaiters(1);
      await mover.query('COMMIT');
      return (await outcome) as T;
    } finally {
      mover.release();
    }
  }
  // What PostgreSQL answers a statement run once: an error, where an unpartitioned table gave "no row"
  // (the new version is not Pending any more).
  const bare = await raceWithMove((jobId) => pool.query(finish, [jobId]));
  expect(bare).toMatchObject({ code: '40001' });
  // The store runs its statement again, on a new snapshot, and finds the job no longer Pending.
  expect(await raceWithMove((jobId) => adminJobCancel(pool, jobId))).toBe(false);

  // The message is in the server's language (lc_messages); the conflict is recognised without reading
  // it. Where the server has no other language to speak, the same error with the German server's text
  // (PostgreSQL 15's own translation) shows that no English text is needed.
  const messagesLanguage = await serverMessagesLanguage();
  if (messagesLanguage === 'English') {
    expect(isMovedRowConflict(bare)).toBe(true);
    const german = Object.assign(Object.create(Object.getPrototypeOf(bare) as object) as object, bare, {
      message:
        'das zu sperrende Tupel wurde schon durch ein gleichzeitiges Update in eine andere Partition verschoben',
    });
    expect(isMovedRowConflict(german)).toBe(true);
  } else {
    expect((bare as unknown as Error).message).not.toMatch(/moved to another partition/);
    expect(isMovedRowConflict(bare)).toBe(true);
  }
});

/** Whether the server answers in English: a division by zero says so in its own words. */
async function serverMessagesLanguage(): Promise<'English' | 'other'> {
  const error = await pool.query('SELECT 1 / 0').catch((failure: unknown) => failure as Error);
  return /division by zero/.test((error as Error).message) ? 'English' : 'other';
}

async function waitForLockWaiters(count: number): Promise<void> {
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("shows a tenant's reads its unfinished jobs and their events through the partitioned table", async () => {
  const jobId = await submit('reader');
  const client = await pool.connect();
  const seen = async (tenantId: string) => {
    await client.query('BEGIN READ ONLY');
    try {
      // What src/data/tenantReads.ts does for a read key: the tenant role, the tenant in a setting.
      await client.query(
        "SELECT set_config('role', 'ingest_tenant_reader', true), set_config('ingest.tenant_id', $1, true)",
        [tenantId],
      );
      const { rows } = await client.query<{ jobs: number; events: number }>(
        `SELECT (SELECT count(*)::int FROM ingestion_jobs WHERE id = $1) AS jobs,
                (SELECT count(*)::int FROM raw_events WHERE job_id = $1) AS events`,
        [jobId],
      );
      return rows[0];
    } finally {
      await client.query('ROLLBACK');
    }
  };
  try {
    // Migration 011 made the events' policy again against the parent: against the old table, now the
    // partition of finished jobs, it would hide the events of every unfinished job.
    expect(await seen('reader')).toEqual({ jobs: 1, events: 1 });
    expect(await seen('someone-else')).toEqual({ jobs: 0, events: 0 });
  } finally {
    client.release();
  }
});
