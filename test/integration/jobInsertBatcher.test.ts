import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/data/ingestionStore.js';
import { JobInsertBatcher } from '../../src/data/jobInsertBatcher.js';
import { createPool, type Pool } from '../../src/data/pool.js';
import { freePort } from '../../src/embedded/freePort.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();

function newJob(
  eventCount: number,
  overrides: Partial<NewJob> = {},
  timestamp = '2024-05-01T12:00:00Z',
): NewJob {
  const events = Array.from({ length: eventCount }, (_, i) => ({
    t: i % 2 ? 'Clicked' : 'viewed',
    k: i % 2 ? 'clicked' : 'viewed',
    ts: timestamp,
    p: { n: i },
  }));
  return {
    id: randomUUID(),
    tenantId: 'tenant',
    maxAttempts: 5,
    eventCount,
    idempotencyKey: undefined,
    requestFingerprint: undefined,
    eventsJson: JSON.stringify(events),
    ...overrides,
  };
}

/** Runs `work` with a batcher that sends one statement at a time, on a pool it then closes. */
async function withBatcher(
  maxEventsPerStatement: number,
  work: (batcher: JobInsertBatcher, pool: Pool) => Promise<void>,
): Promise<void> {
  const pool = db.createPool(4);
  try {
    await work(new JobInsertBatcher(pool, { maxConcurrentStatements: 1, maxEventsPerStatement }), pool);
  } finally {
    await pool.end();
  }
}

describe('JobInsertBatcher', () => {
  it('sends a job at once when idle, and everything that queued meanwhile in the next statement', async () => {
    await withBatcher(5000, async (batcher, pool) => {
      const jobs = Array.from({ length: 40 }, (_, i) => newJob(1 + (i % 7)));
      const outcomes = await Promise.all(jobs.map((job) => batcher.insert(job)));

      expect(outcomes).toEqual(jobs.map((job) => ({ kind: 'created', jobId: job.id })));
      // The first job went alone; the 39 that arrived while it ran shared the second statement.
      expect(batcher.stats()).toEqual({ statements: 2, jobs: 40 });
      const { rows } = await pool.query<{ id: string; event_count: number; stored: number; seqs: number[] }>(
        `SELECT j.id, j.event_count, count(e.seq)::int AS stored, array_agg(e.seq ORDER BY e.seq) AS seqs
         FROM ingestion_jobs j JOIN raw_events e ON e.job_id = j.id
         WHERE j.id = ANY($1::uuid[]) GROUP BY j.id, j.event_count`,
        [jobs.map((job) => job.id)],
      );
      expect(rows).toHaveLength(40);
      for (const row of rows) {
        const job = jobs.find((candidate) => candidate.id === row.id)!;
        expect(row.event_count).toBe(job.eventCount);
        expect(row.stored).toBe(job.eventCount);
        expect(row.seqs).toEqual(Array.from({ length: job.eventCount }, (_, i) => i + 1));
      }
      // Each job holds its own events, not a neighbour's.
      const payloads = await pool.query<{ seq: number; type: string; type_key: string; n: number }>(
        `SELECT seq, type, type_key, (payload ->> 'n')::int AS n FROM raw_events WHERE job_id = $1 ORDER BY seq`,
        [jobs[13]!.id],
      );
      expect(payloads.rows).toEqual(
        Array.from({ length: jobs[13]!.eventCount }, (_, i) => ({
          seq: i + 1,
          type: i % 2 ? 'Clicked' : 'viewed',
          type_key: i % 2 ? 'clicked' : 'viewed',
          n: i,
        })),
      );
    });
  });

  it('starts a second statement beside a running one only once a full statement is queued', async () => {
    const pool = db.createPool(4);
    const blocker = await pool.connect();
    try {
      // Holds every insert at the table lock, so the statements the batcher starts stay running.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE ingestion_jobs IN SHARE MODE');
      const batcher = new JobInsertBatcher(pool, { maxConcurrentStatements: 2, maxEventsPerStatement: 20 });
      const jobs = Array.from({ length: 5 }, () => newJob(5));
      const first = batcher.insert(jobs[0]!);
      // Idle: the first job goes at once, alone.
      expect(batcher.stats()).toEqual({ statements: 1, jobs: 1 });
      const queued = jobs.slice(1, 4).map((job) => batcher.insert(job));
      // 15 events queued, less than a full statement: they wait for the running one.
      expect(batcher.stats()).toEqual({ statements: 1, jobs: 1 });
      const last = batcher.insert(jobs[4]!);
      // 20 events: a full statement goes beside the running one.
      expect(batcher.stats()).toEqual({ statements: 2, jobs: 5 });
      await blocker.query('COMMIT');
      const outcomes = await Promise.all([first, ...queued, last]);
      expect(outcomes).toEqual(jobs.map((job) => ({ kind: 'created', jobId: job.id })));
      expect(batcher.stats()).toEqual({ statements: 2, jobs: 5 });
    } finally {
      blocker.release();
      await pool.end();
    }
  });

  it('closes a statement before it passes the event limit; a larger job goes alone', async () => {
    await withBatcher(10, async (batcher, pool) => {
      const sizes = [1, 4, 4, 4, 30, 2];
      const outcomes = await Promise.all(sizes.map((size) => batcher.insert(newJob(size))));
      expect(outcomes.every((outcome) => outcome.kind === 'created')).toBe(true);
      // [1] alone (idle), then [4, 4] (a third 4 would pass 10), [4], [30] alone, [2].
      expect(batcher.stats()).toEqual({ statements: 5, jobs: 6 });
      // Each statement reused the previous one's parameter buffer: a short write after a long one
      // must not carry the long one's tail.
      const { rows } = await pool.query<{ stored: number }>(
        `SELECT count(e.seq)::int AS stored FROM unnest($1::uuid[]) WITH ORDINALITY AS j (id, n)
         JOIN raw_events e ON e.job_id = j.id GROUP BY j.n ORDER BY j.n`,
        [outcomes.map((outcome) => outcome.jobId)],
      );
      expect(rows.map((row) => row.stored)).toEqual(sizes);
    });
  });

  it('answers idempotency keys repeated within one statement as replay or conflict', async () => {
    await withBatcher(5000, async (batcher, pool) => {
      const keyed = (fingerprint: string) =>
        newJob(2, { idempotencyKey: 'key-1', requestFingerprint: fingerprint });
      const [, first, replay, other, plain] = await Promise.all([
        batcher.insert(newJob(1)),
        batcher.insert(keyed('body-a')),
        batcher.insert(keyed('body-a')),
        batcher.insert(keyed('body-b')),
        batcher.insert(newJob(3)),
      ]);
      expect(batcher.stats()).toEqual({ statements: 2, jobs: 5 });
      expect(first!.kind).toBe('created');
      expect(replay).toEqual({ kind: 'replayed', jobId: first!.jobId });
      expect(other).toEqual({ kind: 'conflict', jobId: first!.jobId });
      expect(plain!.kind).toBe('created');
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM raw_events WHERE job_id = $1`,
        [first!.jobId],
      );
      expect(rows[0]!.n).toBe(2);
    });
  });

  it('fails only the job whose data the database refuses; its statement-mates are stored', async () => {
    await withBatcher(5000, async (batcher, pool) => {
      const good = [newJob(1), newJob(2), newJob(3)];
      const bad = newJob(2, {}, 'the day after tomorrow');
      const results = await Promise.allSettled([
        batcher.insert(good[0]!),
        batcher.insert(good[1]!),
        batcher.insert(bad),
        batcher.insert(good[2]!),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: '22007' });
      // good[0] alone; then the statement of three failed and its jobs were sent one by one.
      expect(batcher.stats().statements).toBe(5);
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
        [[...good, bad].map((job) => job.id)],
      );
      expect(rows.map((row) => row.id).sort()).toEqual(good.map((job) => job.id).sort());
    });
  });

  it('fails every queued job at once when the database itself is unreachable', async () => {
    const pool = createPool(
      { ...db.config, port: await freePort() },
      { max: 2, applicationName: 'test', connectionTimeoutMillis: 2000, onIdleError: () => undefined },
    );
    try {
      const batcher = new JobInsertBatcher(pool, { maxConcurrentStatements: 1, maxEventsPerStatement: 5000 });
      const results = await Promise.allSettled(
        [newJob(1), newJob(1), newJob(1)].map((job) => batcher.insert(job)),
      );
      expect(results.every((result) => result.status === 'rejected')).toBe(true);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ECONNREFUSED' });
      // The queued jobs were not sent into the same error one after another.
      expect(batcher.stats()).toEqual({ statements: 1, jobs: 1 });
    } finally {
      await pool.end();
    }
  });
});

describe('JobInsertBatcher isolation: a refused job never fails the jobs queued behind it', () => {
  it('stores 30 other tenants’ jobs queued behind one job the database refuses', async () => {
    await withBatcher(5000, async (batcher, pool) => {
      const bad = newJob(1, { tenantId: 'bad' }, 'the day after tomorrow');
      const good = Array.from({ length: 30 }, (_, i) => newJob(1 + (i % 3), { tenantId: `tenant-${i}` }));
      // The bad job is sent alone (the batcher is idle); the 30 queue behind it.
      const results = await Promise.allSettled([bad, ...good].map((job) => batcher.insert(job)));
      expect(results[0]!.status).toBe('rejected');
      expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: '22007' });
      expect(results.slice(1).map((result) => result.status)).toEqual(good.map(() => 'fulfilled'));
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
        [good.map((job) => job.id)],
      );
      expect(rows[0]!.n).toBe(30);
    });
  });

  it('stores every valid job of a burst of hundreds holding a few refused ones', async () => {
    const pool = db.createPool(6);
    try {
      const batcher = new JobInsertBatcher(pool, { maxConcurrentStatements: 3, maxEventsPerStatement: 200 });
      const jobs = Array.from({ length: 600 }, (_, i) =>
        i % 150 === 7
          ? newJob(1, { tenantId: `bad-${i}` }, '2016-12-31T23:59:60.5Z')
          : newJob(1 + (i % 4), { tenantId: `tenant-${i % 40}` }),
      );
      const results = await Promise.allSettled(jobs.map((job) => batcher.insert(job)));
      const refused = results.flatMap((result, i) => (result.status === 'rejected' ? [i] : []));
      expect(refused).toEqual([7, 157, 307, 457]);
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingestion_jobs WHERE id = ANY($1::uuid[])',
        [jobs.map((job) => job.id)],
      );
      expect(rows[0]!.n).toBe(596);
    } finally {
      await pool.end();
    }
  });

  // lock_timeout is a per-connection setting; behind a transaction pooler it is the role's (docs/pgbouncer.md).
  it.skipIf(db.behindPooler)(
    'fails only the job that meets a lock on its idempotency key, not the other tenants queued behind it',
    async () => {
      const pool = createPool(db.config, {
        max: 4,
        applicationName: 'test',
        lockTimeoutMillis: 300,
        onIdleError: () => undefined,
      });
      const holder = db.createPool(1);
      const client = await holder.connect();
      try {
        // A first insert of the key that has not committed yet: the retry must wait for it.
        await client.query('BEGIN');
        const inFlight = randomUUID();
        await client.query(
          `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count, idempotency_key, request_fingerprint)
         VALUES ($1, 'locked', 5, 1, 'key-in-flight', 'fp')`,
          [inFlight],
        );
        await client.query(
          `INSERT INTO ingestion_idempotency_keys (tenant_id, idempotency_key, job_id)
         VALUES ('locked', 'key-in-flight', $1)`,
          [inFlight],
        );
        const batcher = new JobInsertBatcher(pool, {
          maxConcurrentStatements: 1,
          maxEventsPerStatement: 5000,
        });
        const retry = newJob(1, {
          tenantId: 'locked',
          idempotencyKey: 'key-in-flight',
          requestFingerprint: 'fp',
        });
        const others = Array.from({ length: 5 }, (_, i) => newJob(1, { tenantId: `other-${i}` }));
        const results = await Promise.allSettled([retry, ...others].map((job) => batcher.insert(job)));
        expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: '55P03' });
        expect(results.slice(1).map((result) => result.status)).toEqual(others.map(() => 'fulfilled'));

        // In one statement with the others, too: only the keyed job waits and fails.
        const mixed = [
          newJob(1, { tenantId: 'locked', idempotencyKey: 'key-in-flight', requestFingerprint: 'fp' }),
          ...Array.from({ length: 5 }, (_, i) => newJob(1, { tenantId: `other-${i}` })),
        ];
        const first = batcher.insert(newJob(1, { tenantId: 'first' }));
        const mixedResults = await Promise.allSettled(mixed.map((job) => batcher.insert(job)));
        await first;
        expect(mixedResults.map((result) => result.status)).toEqual([
          'rejected',
          ...mixed.slice(1).map(() => 'fulfilled'),
        ]);
      } finally {
        await client.query('ROLLBACK');
        client.release();
        await holder.end();
        await pool.end();
      }
    },
  );
});
