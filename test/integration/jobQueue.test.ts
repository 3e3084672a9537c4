import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  jobsClaim,
  jobsFail,
  jobsHeartbeat,
  jobsRelease,
  jobsRescueExpired,
  jobsSucceed,
  jobsSucceedWithOutput,
  newClaimCursor,
} from '../../src/data/jobQueue.js';
import { jobsClaimByIds } from '../../src/data/jobClaimByIds.js';
import { jobInsertMany, resultsFind, type NewJob } from '../../src/data/ingestionStore.js';
import { backendPidOf, type Pool } from '../../src/data/pool.js';
import { LeaseSweep } from '../../src/worker/leaseSweep.js';
import { aggregateEvents } from '../../src/domain/aggregation.js';
import { eventTypeKey } from '../../src/domain/eventTypeKey.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { eventually, insertJob, jobRows, type TestEvent, resultsWithDates } from '../support/jobs.js';

const db = useTestDatabase();

async function withPool<T>(work: (pool: ReturnType<typeof db.createPool>) => Promise<T>): Promise<T> {
  const pool = db.createPool(6);
  try {
    await pool.query(
      "UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now(), locked_by = NULL, locked_until = NULL WHERE status <> 'Succeeded'",
    );
    return await work(pool);
  } finally {
    await pool.end();
  }
}

describe('jobsClaim', () => {
  it('claims at most its limit, oldest first, and counts the attempt', async () => {
    await withPool(async (pool) => {
      const ids = [];
      for (let i = 0; i < 5; i += 1) ids.push(await insertJob(pool));
      const claimed = await jobsClaim(pool, 'w1', 3, 30);
      expect(claimed.map((job) => job.id)).toEqual(ids.slice(0, 3));
      expect(claimed.every((job) => job.attempt === 1 && job.maxAttempts === 5)).toBe(true);
      const rows = await jobRows(pool, ids.slice(0, 3));
      expect(rows.every((row) => row.status === 'Processing' && row.locked_by === 'w1')).toBe(true);
    });
  });

  it('never hands one job to two concurrent claimers', async () => {
    await withPool(async (pool) => {
      for (let i = 0; i < 200; i += 1) await insertJob(pool);
      const claims = await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const mine: string[] = [];
          for (;;) {
            const jobs = await jobsClaim(pool, `w${w}`, 7, 30);
            if (jobs.length === 0) return mine;
            mine.push(...jobs.map((job) => job.id));
          }
        }),
      );
      const all = claims.flat();
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
    });
  });

  it('skips the WAL flush wait for the claim only, never for the connection', async () => {
    const pool = db.createPool(1);
    try {
      await insertJob(pool);
      expect(await jobsClaim(pool, 'w', 1, 30)).toHaveLength(1);
      // Transaction-local: a pooler handing this connection to the API must not make its inserts async.
      const { rows } = await pool.query('SHOW synchronous_commit');
      expect(rows[0].synchronous_commit).toBe('on');
    } finally {
      await pool.end();
    }
  });

  it('does not claim a job before its available_at', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      await pool.query("UPDATE ingestion_jobs SET available_at = now() + interval '1 hour' WHERE id = $1", [
        id,
      ]);
      expect(await jobsClaim(pool, 'w', 10, 30)).toEqual([]);
    });
  });
});

describe('jobs announced by id', () => {
  it('an insert of a few jobs names them in its notification, a bigger one does not', async () => {
    await withPool(async (pool) => {
      // LISTEN needs a session of its own: past PgBouncer when the run goes through it.
      const listener = new pg.Client({ ...db.listenConfig, ssl: false });
      await listener.connect();
      const payloads: string[] = [];
      listener.on('notification', (message) => payloads.push(message.payload ?? ''));
      await listener.query('LISTEN ingestion_jobs_created');
      const newJob = (): NewJob => ({
        id: randomUUID(),
        tenantId: 't',
        maxAttempts: 5,
        eventCount: 1,
        idempotencyKey: undefined,
        requestFingerprint: undefined,
        eventsJson: '[{"t":"a","k":"A","ts":"2024-05-01T12:00:00Z","p":null}]',
      });
      try {
        const few = [newJob(), newJob()];
        await jobInsertMany(pool, few);
        await jobInsertMany(pool, Array.from({ length: 21 }, newJob));
        expect(await eventually(async () => payloads.length === 2, 5000)).toBe(true);
        expect(payloads[0]!.split(',').sort()).toEqual(few.map((job) => job.id).sort());
        expect(payloads[1]).toBe('');
      } finally {
        await listener.end();
      }
    });
  });

  it('jobsClaimByIds claims those still Pending and due, at most its limit, never one twice', async () => {
    await withPool(async (pool) => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i += 1) ids.push(await insertJob(pool));
      const other = await insertJob(pool);
      await pool.query("UPDATE ingestion_jobs SET available_at = now() + interval '1 hour' WHERE id = $1", [
        ids[3],
      ]);
      expect((await jobsClaim(pool, 'w0', 1, 30)).map((job) => job.id)).toEqual([ids[0]]);
      const claims = await Promise.all(
        ['w1', 'w2'].map((owner) => jobsClaimByIds(pool, owner, ids, 2, 30, false)),
      );
      const claimed = claims.flatMap((claim) => claim.claimed);
      // ids[0] is another worker's, ids[3] is not due; the other job was not announced.
      expect(claimed.map((job) => job.id).sort()).toEqual([ids[1], ids[2]].sort());
      expect(claimed.every((job) => job.attempt === 1)).toBe(true);
      expect(claims.every((claim) => claim.completed === undefined)).toBe(true);
      const status = new Map((await jobRows(pool, [...ids, other])).map((row) => [row.id, row.status]));
      expect([...ids, other].map((id) => status.get(id))).toEqual([
        'Processing',
        'Processing',
        'Processing',
        'Pending',
        'Pending',
      ]);
      const { rows: setting } = await pool.query('SHOW synchronous_commit');
      expect(setting[0].synchronous_commit).toBe('on');
    });
  });
});

describe('jobsClaimByIds with its completion pipelined', () => {
  it('completes exactly what it claimed, with results, in one round trip', async () => {
    await withPool(async (pool) => {
      const mine = await insertJob(pool, [
        { type: 'clicked', timestamp: '2024-05-01T12:00:00Z' },
        { type: 'Clicked', timestamp: '2024-05-01T12:00:01Z' },
      ]);
      const taken = await insertJob(pool);
      // Another worker holds one of the announced jobs: the pipelined completion must leave it alone.
      await pool.query(
        "UPDATE ingestion_jobs SET status = 'Processing', locked_by = 'other', locked_until = now() + interval '1 minute' WHERE id = $1",
        [taken],
      );
      const pipelined = db.createPool(1, { pipeline: true });
      try {
        const step = await jobsClaimByIds(pipelined, 'w1', [mine, taken], 10, 30, true);
        expect(step.claimed.map((job) => job.id)).toEqual([mine]);
        expect([...step.completed!.succeeded]).toEqual([mine]);
        // A completion behind a claim that took nothing (so left no ids under its nonce) completes
        // nothing, not even the job its owner holds.
        const empty = await jobsClaimByIds(pipelined, 'other', [taken], 10, 30, true);
        expect(empty).toEqual({ claimed: [], completed: { succeeded: new Set(), incomplete: [] } });
      } finally {
        await pipelined.end();
      }
      const status = new Map((await jobRows(pool, [mine, taken])).map((row) => [row.id, row.status]));
      expect([status.get(mine), status.get(taken)]).toEqual(['Succeeded', 'Processing']);
      const results = await resultsFind(pool, mine);
      expect(results?.results.map((r) => [r.eventType, r.count])).toEqual([['clicked', 2]]);
    });
  });
});

describe('jobsClaim across tenants (fair queueing)', () => {
  const tenantOf = async (pool: Pool, ids: readonly string[]) =>
    (await jobRows(pool, ids)).map((row) => row.tenant_id).sort();

  it("puts a tenant's job submitted after another tenant's backlog into the next claim", async () => {
    await withPool(async (pool) => {
      const backlog = [];
      for (let i = 0; i < 30; i += 1) backlog.push(await insertJob(pool, undefined, { tenantId: 'a' }));
      const late = await insertJob(pool, undefined, { tenantId: 'b' });
      const claimed = (await jobsClaim(pool, 'w', 5, 30)).map((job) => job.id);
      // Oldest first would be the backlog's first five.
      expect(claimed).toContain(late);
      expect(claimed.filter((id) => id !== late)).toEqual(backlog.slice(0, 4));
    });
  });

  it('fills the batch from one tenant when it is the only one with due jobs, oldest first', async () => {
    await withPool(async (pool) => {
      const ids = [];
      for (let i = 0; i < 6; i += 1) ids.push(await insertJob(pool, undefined, { tenantId: 'a' }));
      const waiting = await insertJob(pool, undefined, { tenantId: 'b' });
      await pool.query("UPDATE ingestion_jobs SET available_at = now() + interval '1 hour' WHERE id = $1", [
        waiting,
      ]);
      // b has pending work but nothing due: its share goes to a, and its retry keeps waiting.
      const claimed = await jobsClaim(pool, 'w', 4, 30);
      expect(claimed.map((job) => job.id)).toEqual(ids.slice(0, 4));
    });
  });

  it('goes round more tenants than one batch holds, claim after claim', async () => {
    await withPool(async (pool) => {
      // Tenant by tenant, so oldest first would serve t1 three times before anyone else.
      for (const tenant of ['t1', 't2', 't3', 't4', 't5'])
        for (let i = 0; i < 3; i += 1) await insertJob(pool, undefined, { tenantId: tenant });
      const cursor = newClaimCursor();
      const rounds = [];
      for (let i = 0; i < 3; i += 1) {
        const claimed = await jobsClaim(pool, 'w', 2, 30, cursor);
        rounds.push(
          await tenantOf(
            pool,
            claimed.map((job) => job.id),
          ),
        );
      }
      expect(rounds).toEqual([
        ['t1', 't2'],
        ['t3', 't4'],
        ['t1', 't5'],
      ]);
    });
  });

  it('never hands one job to two concurrent claimers, with many tenants', async () => {
    await withPool(async (pool) => {
      await pool.query(
        `INSERT INTO ingestion_jobs (id, tenant_id, max_attempts, event_count)
         SELECT gen_random_uuid(), 'tenant-' || (i % 13), 5, 1 FROM generate_series(1, 600) AS i`,
      );
      const claims = await Promise.all(
        Array.from({ length: 5 }, async (_, w) => {
          const mine: string[] = [];
          const cursor = newClaimCursor();
          for (;;) {
            const jobs = await jobsClaim(pool, `w${w}`, 7, 30, cursor);
            if (jobs.length === 0) return mine;
            mine.push(...jobs.map((job) => job.id));
          }
        }),
      );
      const all = claims.flat();
      expect(all).toHaveLength(600);
      expect(new Set(all).size).toBe(600);
    });
  });
});

describe('jobsSucceed', () => {
  it('stores results equal to the aggregation rule, once, in the same statement as Succeeded', async () => {
    await withPool(async (pool) => {
      const types = ['clicked', 'viewed', 'Clicked', 'VIEWED', 'Ünïcode', 'üNÏCODE', 'b', 'A'];
      const batches: TestEvent[][] = Array.from({ length: 20 }, (_, j) =>
        Array.from({ length: 1 + ((j * 7) % 13) }, (_, i) => ({
          type: types[(i * 3 + j) % types.length]!,
          timestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, (i * 37 + j * 11) % 60)).toISOString(),
        })),
      );
      const ids = [];
      for (const events of batches) ids.push(await insertJob(pool, events));
      const claimed = await jobsClaim(pool, 'w', 20, 30);
      expect(claimed).toHaveLength(20);
      const done = await jobsSucceed(pool, 'w', ids);
      expect(done.succeeded.size).toBe(20);
      for (const [index, id] of ids.entries()) {
        const stored = await resultsFind(pool, id);
        const expected = aggregateEvents(
          batches[index]!.map((e) => ({ type: e.type, timestamp: new Date(e.timestamp) })),
        );
        // Results carry microseconds; the oracle works in Dates (milliseconds).
        const asDates = stored && {
          ...stored,
          results: stored.results.map(({ firstMicros, lastMicros, ...result }) => ({
            ...result,
            firstTimestamp: new Date(Number(firstMicros / 1000n)),
            lastTimestamp: new Date(Number(lastMicros / 1000n)),
          })),
        };
        expect(asDates).toEqual({ status: 'Succeeded', results: expected });
      }
      // A second completion finds nothing to do and writes nothing twice.
      expect((await jobsSucceed(pool, 'w', ids)).succeeded.size).toBe(0);
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM ingestion_results WHERE job_id = ANY($1::uuid[])',
        [ids],
      );
      expect(rows[0].n).toBe(expected(batches));
    });

    function expected(batches: TestEvent[][]): number {
      return batches.reduce((sum, events) => sum + new Set(events.map((e) => eventTypeKey(e.type))).size, 0);
    }
  });

  it('agrees with the aggregation rule on random jobs, sigma, ß, beyond U+FFFF and all', async () => {
    // Types built from pieces where lowercasing, full upper-casing, UTF-16 order and code-point order
    // disagree: the database must group and order them as aggregateEvents does.
    const pieces = [
      'ΟΔΟΣ',
      'οδοσ',
      'Οδος',
      'ß',
      'SS',
      'ẞ',
      'ｂ',
      'Ｂ',
      '😀',
      '𐐨',
      '𐐀',
      '_',
      'a',
      'A',
      'ı',
      'I',
    ];
    const pieces2 = ['i', 'İ', 'ſ', 's', 'ǅ', 'ǆ', 'ᾳ', 'ᾼ', 'z', '[', '\uffff', '\u{10ffff}', 'é', 'É'];
    const type = fc
      .array(fc.constantFrom(...pieces, ...pieces2), { minLength: 1, maxLength: 3 })
      .map((parts) => parts.join(''));
    const event = fc.record({
      type,
      timestamp: fc
        .integer({ min: 0, max: 86_400 })
        .map((s) => new Date(Date.UTC(2024, 0, 1) + s * 1000).toISOString()),
    });
    await withPool(async (pool) => {
      const jobs = fc.sample(fc.array(event, { minLength: 1, maxLength: 40 }), { numRuns: 60, seed: 9 });
      const ids = [];
      for (const events of jobs) ids.push(await insertJob(pool, events));
      expect(await jobsClaim(pool, 'w', 100, 30)).toHaveLength(jobs.length);
      expect((await jobsSucceed(pool, 'w', ids)).succeeded.size).toBe(jobs.length);
      for (const [index, id] of ids.entries()) {
        const expected = aggregateEvents(
          jobs[index]!.map((e) => ({ type: e.type, timestamp: new Date(e.timestamp) })),
        );
        expect(await resultsWithDates(pool, id)).toEqual({ status: 'Succeeded', results: expected });
      }
    });
  });

  it('refuses a completion from a worker that lost its lease', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      await jobsClaim(pool, 'old-owner', 1, 30);
      // The lease runs out; the sweep takes the job back and another worker claims it.
      await pool.query("UPDATE ingestion_jobs SET locked_until = now() - interval '1 second' WHERE id = $1", [
        id,
      ]);
      expect(await jobsRescueExpired(pool, 0, 60)).toEqual([{ id, status: 'Pending' }]);
      expect((await jobsClaim(pool, 'new-owner', 1, 30))[0]).toMatchObject({ id, attempt: 2 });

      expect((await jobsSucceed(pool, 'old-owner', [id])).succeeded.size).toBe(0);
      expect(await jobsFail(pool, 'old-owner', [{ id, error: 'late', backoffSeconds: 1 }])).toEqual([]);
      expect((await jobsHeartbeat(pool, 'old-owner', [id], 30)).size).toBe(0);
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM ingestion_results WHERE job_id = $1',
        [id],
      );
      expect(rows[0].n).toBe(0);
      expect((await jobRows(pool, [id]))[0]).toMatchObject({ status: 'Processing', locked_by: 'new-owner' });

      expect((await jobsSucceed(pool, 'new-owner', [id])).succeeded.has(id)).toBe(true);
    });
  });
});

describe('a completion that reads fewer events than the job was accepted with', () => {
  // Events can go missing under a job: retention dropped or is detaching their partition while an
  // operator's retry made the job run again. Succeeded with what is left would be a wrong answer for
  // good; the completion leaves the job alone and says how many it read, and the worker fails it.
  const clicks = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ type: 'clicked', timestamp: `2024-05-01T12:00:0${i}Z` }));

  it('stores no results and leaves the job to be failed, in a batch with complete jobs', async () => {
    await withPool(async (pool) => {
      const complete = await insertJob(pool, clicks(2));
      const short = await insertJob(pool, clicks(3));
      const bare = await insertJob(pool, clicks(1));
      await jobsClaim(pool, 'w', 3, 30);
      await pool.query('DELETE FROM raw_events WHERE (job_id = $1 AND seq = 3) OR job_id = $2', [
        short,
        bare,
      ]);
      const outcome = await jobsSucceed(pool, 'w', [complete, short, bare]);
      expect(outcome.succeeded).toEqual(new Set([complete]));
      expect(outcome.incomplete.sort((a, b) => a.eventsRead - b.eventsRead)).toEqual([
        { id: bare, eventsRead: 0, eventCount: 1 },
        { id: short, eventsRead: 2, eventCount: 3 },
      ]);
      expect((await jobRows(pool, [short, bare])).map((row) => row.status)).toEqual([
        'Processing',
        'Processing',
      ]);
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM ingestion_results WHERE job_id = ANY($1::uuid[])',
        [[short, bare]],
      );
      expect(rows[0]!.n).toBe(0);
    });
  });

  it('does the same for the output of a processor', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool, clicks(2));
      await jobsClaim(pool, 'w', 1, 30);
      await pool.query('DELETE FROM raw_events WHERE job_id = $1 AND seq = 2', [id]);
      expect(await jobsSucceedWithOutput(pool, 'w', id, '{"events": 1}')).toEqual({
        succeeded: false,
        incomplete: { id, eventsRead: 1, eventCount: 2 },
      });
      expect((await jobRows(pool, [id]))[0]).toMatchObject({ status: 'Processing' });
    });
  });
});

describe('jobsFail', () => {
  it('sets the contract backoff from the database clock, then Failed after max attempts', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool, undefined, { maxAttempts: 2 });
      await jobsClaim(pool, 'w', 1, 30);
      expect(await jobsFail(pool, 'w', [{ id, error: 'boom 1', backoffSeconds: 2 }])).toEqual([
        { id, status: 'Pending' },
      ]);
      const { rows } = await pool.query(
        'SELECT extract(epoch FROM available_at - updated_at)::float8 AS wait, status, error FROM ingestion_jobs WHERE id = $1',
        [id],
      );
      expect(rows[0]).toEqual({ wait: 2, status: 'Pending', error: 'boom 1' });

      await pool.query('UPDATE ingestion_jobs SET available_at = now() WHERE id = $1', [id]);
      await jobsClaim(pool, 'w', 1, 30);
      expect(await jobsFail(pool, 'w', [{ id, error: 'boom 2', backoffSeconds: 4 }])).toEqual([
        { id, status: 'Failed' },
      ]);
      const row = (await jobRows(pool, [id]))[0]!;
      expect(row).toMatchObject({ status: 'Failed', attempt: 2, error: 'boom 2', locked_by: null });
      expect(await jobsClaim(pool, 'w', 1, 30)).toEqual([]);
    });
  });
});

describe('jobsRescueExpired and jobsRelease', () => {
  it('fails an abandoned job whose attempts are spent, saying why', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool, undefined, { maxAttempts: 1 });
      await jobsClaim(pool, 'crashed-worker', 1, 30);
      await pool.query("UPDATE ingestion_jobs SET locked_until = now() - interval '1 second' WHERE id = $1", [
        id,
      ]);
      expect(await jobsRescueExpired(pool, 0, 60)).toEqual([{ id, status: 'Failed' }]);
      expect((await jobRows(pool, [id]))[0]).toMatchObject({
        status: 'Failed',
        attempt: 1,
        error: 'attempt 1 of 1 was abandoned: worker crashed-worker stopped renewing its lease',
      });
    });
  });

  it('leaves live leases alone, and a heartbeat keeps them alive', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      await jobsClaim(pool, 'w', 1, 1);
      expect((await jobsHeartbeat(pool, 'w', [id], 30)).has(id)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await jobsRescueExpired(pool, 0, 60)).toEqual([]);
    });
  });

  it('renews the jobs still running when every try meets a row that a completion moves', async () => {
    await withPool(async (pool) => {
      const long = await insertJob(pool);
      const short = [];
      for (let i = 0; i < 6; i += 1) short.push(await insertJob(pool));
      await jobsClaim(pool, 'busy', 7, 5);
      // Each short job is being completed by a transaction of its own, its row locked until it commits
      // and moves to the partition of finished jobs.
      const side = db.createPool(short.length + 1);
      const movers = await Promise.all(short.map(() => side.connect()));
      try {
        for (const [i, mover] of movers.entries()) {
          await mover.query('BEGIN');
          await mover.query(
            `UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now(), locked_by = NULL,
                                       locked_until = NULL
             WHERE id = $1`,
            [short[i]],
          );
        }
        const renewal = jobsHeartbeat(pool, 'busy', [long, ...short], 60).then(
          (kept) => ({ kept }),
          (error: unknown) => ({ error }),
        );
        // Whenever the renewal waits for one of those rows, that completion commits: the renewal then
        // meets a row that moved, every time it tries.
        let settled: Awaited<typeof renewal> | undefined;
        void renewal.then((outcome) => (settled = outcome));
        const open = new Map(movers.map((mover) => [backendPidOf(mover), mover]));
        while (!settled) {
          const { rows } = await side.query<{ blocking: number }>(
            `SELECT unnest(pg_blocking_pids(pid)) AS blocking FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          const blocker = rows.map((row) => open.get(row.blocking)).find(Boolean);
          if (blocker) {
            await blocker.query('COMMIT');
            open.delete(backendPidOf(blocker));
          } else await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(settled).toEqual({ kept: new Set([long]) });
        const { rows } = await pool.query<{ left: number }>(
          'SELECT extract(epoch FROM locked_until - now())::float8 AS left FROM ingestion_jobs WHERE id = $1',
          [long],
        );
        expect(rows[0]!.left).toBeGreaterThan(30);
        for (const mover of open.values()) await mover.query('COMMIT');
      } finally {
        for (const mover of movers) mover.release();
        await side.end();
      }
    });
  });

  it('hands a job back without using up its attempt', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      await jobsClaim(pool, 'stopping', 1, 30);
      expect(await jobsRelease(pool, 'stopping', [id])).toEqual([id]);
      expect((await jobRows(pool, [id]))[0]).toMatchObject({
        status: 'Pending',
        attempt: 0,
        locked_by: null,
      });
    });
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds an ACCESS EXCLUSIVE lock on the jobs table (as a migration, a non-concurrent index build or
 * VACUUM FULL would) while `work` starts and waits behind it, then releases it after `ms`.
 */
async function behindLock<T>(pool: Pool, ms: number, work: () => Promise<T>): Promise<T> {
  const locker = await pool.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE ingestion_jobs IN ACCESS EXCLUSIVE MODE');
    const outcome = work();
    outcome.catch(() => undefined);
    await sleep(ms);
    await locker.query('COMMIT');
    return await outcome;
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    locker.release();
  }
}

async function leaseAlive(pool: Pool, id: string): Promise<boolean> {
  const { rows } = await pool.query<{ alive: boolean }>(
    'SELECT locked_until > clock_timestamp() AS alive FROM ingestion_jobs WHERE id = $1',
    [id],
  );
  return rows[0]!.alive;
}

describe('leases under a table lock longer than the lease', () => {
  it('a claim that waited on the lock commits a lease that runs from its write', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      const claimed = await behindLock(pool, 3000, () => jobsClaim(pool, 'w', 1, 2));
      expect(claimed.map((job) => job.id)).toEqual([id]);
      expect(await leaseAlive(pool, id)).toBe(true);
    });
  });

  it('a renewal that waited on the lock commits a lease that runs from its write', async () => {
    await withPool(async (pool) => {
      const id = await insertJob(pool);
      await jobsClaim(pool, 'w', 1, 2);
      const kept = await behindLock(pool, 3000, () => jobsHeartbeat(pool, 'w', [id], 2));
      expect(kept.has(id)).toBe(true);
      expect(await leaseAlive(pool, id)).toBe(true);
    });
  });

  it('the sweep takes nothing from a live worker whose renewal the lock held, even when it runs first', async () => {
    await withPool(async (pool) => {
      const lease = 2;
      const [live, diedDuringStall, diedLongBefore] = [
        await insertJob(pool),
        await insertJob(pool),
        await insertJob(pool),
      ];
      await jobsClaim(pool, 'live-worker', 2, lease);
      await pool.query("UPDATE ingestion_jobs SET locked_by = 'died-during' WHERE id = $1", [
        diedDuringStall,
      ]);
      await jobsClaim(pool, 'died-before', 1, lease);
      await pool.query("UPDATE ingestion_jobs SET locked_until = now() - interval '1 hour' WHERE id = $1", [
        diedLongBefore,
      ]);
      const sweep = new LeaseSweep(pool, lease);

      // A sweep round waits behind a lock twice as long as the lease; every lease runs out meanwhile.
      expect(await behindLock(pool, 2 * lease * 1000, () => sweep.run())).toEqual([]);
      // The worst order: the next round runs before the live worker's renewal lands. It takes back only
      // the job whose worker was gone long before the lock.
      expect(await sweep.run()).toEqual([{ id: diedLongBefore, status: 'Pending' }]);
      expect((await jobsHeartbeat(pool, 'live-worker', [live], lease)).has(live)).toBe(true);

      // A worker that died during the stall loses its job a lease after the stall; the live one, still
      // renewing, keeps its own.
      const rescued: string[] = [];
      const tookIt = await eventually(async () => {
        await jobsHeartbeat(pool, 'live-worker', [live], lease);
        rescued.push(...(await sweep.run()).map((job) => job.id));
        return rescued.includes(diedDuringStall);
      }, 10_000);
      expect(tookIt).toBe(true);
      expect(rescued).toEqual([diedDuringStall]);
      expect((await jobRows(pool, [live]))[0]).toMatchObject({ status: 'Processing', attempt: 1 });
    });
  });
});
