// GET /v1/ingestions: a tenant lists its own jobs with a read key, newest first, a keyset page at a time,
// confined by row-level security like its other reads; without keys the tenant is named in the query.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { sqlStatement } from '../../src/data/sql.js';
import { inTenantScope } from '../../src/data/tenantReads.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { insertJob } from '../support/jobs.js';
import { buildTestApp } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let keysApp: FastifyInstance;
let openApp: FastifyInstance;
let pool: Pool;
const keys = {} as Record<'read' | 'write' | 'admin' | 'otherRead', string>;
/** acme's jobs, newest first as the list must give them. */
let acmeJobs: string[];
let globexJob: string;
/** The acme jobs that Succeeded. */
let succeeded: string[];

async function createKey(args: string[]): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  expect(outcome.exitCode).toBe(0);
  return outcome.stdout.at(-1)!;
}

interface Page {
  jobs: Array<{ jobId: string; tenantId: string; status: string; createdAt: string }>;
  nextCursor: string | null;
}

beforeAll(async () => {
  pool = db.createPool(2);
  keysApp = await buildTestApp(db, { AUTH_MODE: 'keys' });
  openApp = await buildTestApp(db);
  keys.read = await createKey(['--tenant', 'acme', '--kind', 'read']);
  keys.write = await createKey(['--tenant', 'acme', '--kind', 'write']);
  keys.admin = await createKey(['--kind', 'admin']);
  keys.otherRead = await createKey(['--tenant', 'globex', '--kind', 'read']);
  const ids: string[] = [];
  for (let i = 0; i < 7; i += 1) ids.push(await insertJob(pool, undefined, { tenantId: 'acme' }));
  globexJob = await insertJob(pool, undefined, { tenantId: 'globex' });
  // Finished before their creation times are moved: a completion reads a job's events by the time it
  // was accepted at, which the moves below no longer match.
  const claimed = await jobsClaim(pool, 'test-worker', 3, 30);
  succeeded = claimed.filter((job) => job.tenantId === 'acme').map((job) => job.id);
  await jobsSucceed(
    pool,
    'test-worker',
    claimed.map((job) => job.id),
  );
  // Distinct creation times a minute apart, and two jobs that share one (the id breaks the tie).
  await pool.query(
    `UPDATE ingestion_jobs AS j SET created_at = '2024-05-01T12:00:00Z'::timestamptz + make_interval(mins => t.n::int)
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t (id, n) WHERE j.id = t.id`,
    [ids.slice(0, 6)],
  );
  await pool.query(`UPDATE ingestion_jobs SET created_at = '2024-05-01T12:05:00Z' WHERE id = ANY($1)`, [
    [ids[4], ids[5]],
  ]);
  await pool.query(`UPDATE ingestion_jobs SET created_at = '2024-05-01T13:00:00Z' WHERE id = $1`, [ids[6]]);
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM ingestion_jobs WHERE tenant_id = 'acme' ORDER BY created_at DESC, id DESC`,
  );
  acmeJobs = rows.map((row) => row.id);
});

afterAll(async () => {
  await Promise.all([keysApp.close(), openApp.close()]);
  await pool.end();
});

const list = (app: FastifyInstance, query: string, key?: string) =>
  app.inject({
    method: 'GET',
    url: `/v1/ingestions${query}`,
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

async function walk(app: FastifyInstance, query: string, key?: string): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages += 1) {
    const separator = query ? '&' : '?';
    const response = await list(
      app,
      `${query}${cursor ? `${separator}cursor=${encodeURIComponent(cursor)}` : ''}`,
      key,
    );
    expect(response.statusCode).toBe(200);
    const page = response.json<Page>();
    seen.push(...page.jobs.map((job) => job.jobId));
    cursor = page.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error('more pages than jobs');
}

describe('GET /v1/ingestions with a read key', () => {
  it("lists the key's tenant's jobs only, newest first, page by page without repeats", async () => {
    const first = await list(keysApp, '', keys.read);
    expect(first.statusCode).toBe(200);
    const page = first.json<Page>();
    expect(page.jobs.map((job) => job.jobId)).toEqual(acmeJobs);
    expect(page.jobs.every((job) => job.tenantId === 'acme')).toBe(true);
    expect(page.nextCursor).toBeNull();
    expect(await walk(keysApp, '?limit=2', keys.read)).toEqual(acmeJobs);
    expect(await walk(keysApp, '?limit=1', keys.otherRead)).toEqual([globexJob]);
  });

  it('filters by status and by creation time', async () => {
    const done = await walk(keysApp, '?status=Succeeded&limit=2', keys.read);
    expect(done).toEqual(acmeJobs.filter((id) => succeeded.includes(id)));
    expect(done.length).toBeGreaterThan(0);
    const waiting = await walk(keysApp, '?status=Pending,Processing', keys.read);
    expect(waiting).toEqual(acmeJobs.filter((id) => !succeeded.includes(id)));
    const window = await walk(
      keysApp,
      `?from=${encodeURIComponent('2024-05-01T12:02:00Z')}&to=${encodeURIComponent('2024-05-01T12:05:00+00:00')}`,
      keys.read,
    );
    const { rows } = await pool.query<{ id: string }>(
      `SELECT id FROM ingestion_jobs WHERE tenant_id = 'acme'
         AND created_at >= '2024-05-01T12:02:00Z' AND created_at < '2024-05-01T12:05:00Z'
       ORDER BY created_at DESC, id DESC`,
    );
    expect(window).toEqual(rows.map((row) => row.id));
    expect(window.length).toBe(3);
  });

  it('answers what is wrong with a filter, a cursor or a page size with 400', async () => {
    for (const [query, field] of [
      ['?status=Done', 'status'],
      ['?from=yesterday', 'from'],
      ['?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 'to'],
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=x', 'limit'],
    ] as const) {
      const response = await list(keysApp, query, keys.read);
      expect(response.statusCode, query).toBe(400);
      expect(Object.keys(response.json<{ errors: object }>().errors), query).toContain(field);
    }
  });

  it("refuses a write key, and another tenant's tenantId, with 403; an admin key names the tenant", async () => {
    expect((await list(keysApp, '', keys.write)).statusCode).toBe(403);
    expect((await list(keysApp, '?tenantId=globex', keys.read)).statusCode).toBe(403);
    expect((await list(keysApp, '?tenantId=acme', keys.read)).statusCode).toBe(200);
    expect((await list(keysApp, '')).statusCode).toBe(401);
    const unnamed = await list(keysApp, '', keys.admin);
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json<{ errors: object }>().errors).toHaveProperty('tenantId');
    expect(await walk(keysApp, '?tenantId=globex', keys.admin)).toEqual([globexJob]);
  });

  it('reads through row-level security: the statement sees no other tenant even when asked for one', async () => {
    const statement = sqlStatement('jobsListForTenant');
    const rows = await inTenantScope(pool, 'acme', async (client) => {
      const asked = (tenant: string) =>
        client.query({
          ...statement,
          values: [
            tenant,
            ['Pending', 'Processing', 'Succeeded', 'Failed'],
            '-infinity',
            'infinity',
            'infinity',
            'ffffffff-ffff-ffff-ffff-ffffffffffff',
            50,
          ],
        });
      return { own: (await asked('acme')).rowCount, other: (await asked('globex')).rowCount };
    });
    expect(rows).toEqual({ own: acmeJobs.length, other: 0 });
  });
});

describe('GET /v1/ingestions with AUTH_MODE=none', () => {
  it('requires tenantId and lists that tenant', async () => {
    const response = await list(openApp, '');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: object }>().errors).toHaveProperty('tenantId');
    expect(await walk(openApp, '?tenantId=acme&limit=3')).toEqual(acmeJobs);
  });
});
