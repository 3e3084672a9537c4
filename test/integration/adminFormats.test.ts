// What the admin API answers looks alike everywhere: every timestamp in one RFC 3339 form (UTC, `Z`,
// milli- or microseconds, as the public API writes them), whether it comes from a column or from the
// jsonb of a job's history, events and results; and a status filter in any case names the statuses as
// the API spells them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { jobsClaim, jobsFail, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { insertJob } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp } from '../support/testApp.js';

const db = useTestDatabase();
const token = 'test-admin-token-0123456789';
let app: FastifyInstance;
let pool: Pool;
let failed: string;
let succeeded: string;

const get = (url: string) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3}|\d{6})Z$/;

/** Every string in an answer under a key that names a time, with its path. */
function timestamps(value: unknown, path = ''): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, i) => timestamps(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) =>
    typeof item === 'string' && /(At|[tT]imestamp|^minute|^now)$/.test(key)
      ? [[`${path}.${key}`, item] as [string, string]]
      : timestamps(item, `${path}.${key}`),
  );
}

beforeAll(async () => {
  app = await buildTestApp(db, { ADMIN_TOKEN: token });
  pool = db.createPool(2);
  // Microseconds in the events, and a session time zone away from UTC, as a server's may be.
  await pool.query('ALTER DATABASE ' + db.config.database + " SET timezone = 'Asia/Kolkata'");
  failed = await insertJob(pool, [{ type: 'bad', timestamp: '2024-05-01T12:00:00.123456+02:00' }], {
    tenantId: 'acme',
    maxAttempts: 1,
  });
  await jobsClaim(pool, 'test-worker', 10, 30);
  await jobsFail(pool, 'test-worker', [{ id: failed, error: 'boom', backoffSeconds: 0 }]);
  succeeded = await insertJob(pool, [{ type: 'ok', timestamp: '2024-05-01T12:00:00.5Z' }], {
    tenantId: 'acme',
  });
  await jobsClaim(pool, 'test-worker', 10, 30);
  await jobsSucceed(pool, 'test-worker', [succeeded]);
});
afterAll(async () => {
  await app.close();
  await pool.end();
});

describe('admin API answers', () => {
  it("write every timestamp of a job's page in one RFC 3339 form", async () => {
    for (const id of [failed, succeeded]) {
      const response = await get(`/admin/jobs/${id}`);
      expect(response.statusCode).toBe(200);
      const found = timestamps(response.json());
      expect(found.map(([path]) => path)).toEqual(
        expect.arrayContaining([
          '.createdAt',
          '.attempts[0].startedAt',
          '.attempts[0].endedAt',
          '.firstEvents[0].timestamp',
        ]),
      );
      for (const [path, text] of found) expect(text, path).toMatch(canonical);
    }
    const detail = (await get(`/admin/jobs/${failed}`)).json() as {
      firstEvents: Array<{ timestamp: string }>;
    };
    // The same instant the client sent, in UTC, its microseconds kept.
    expect(detail.firstEvents[0]!.timestamp).toBe('2024-05-01T10:00:00.123456Z');
    const ok = (await get(`/admin/jobs/${succeeded}`)).json() as {
      results: Array<{ firstTimestamp: string }>;
    };
    expect(ok.results[0]!.firstTimestamp).toBe('2024-05-01T12:00:00.500Z');
  });

  it('write the list and the overview in the same form', async () => {
    for (const url of ['/admin/jobs', '/admin/overview']) {
      const found = timestamps((await get(url)).json());
      expect(found.length, url).toBeGreaterThan(0);
      for (const [path, text] of found) expect(text, `${url} ${path}`).toMatch(canonical);
    }
  });

  it('take a status filter in any case and answer the canonical statuses', async () => {
    for (const status of ['failed', 'FAILED', 'Failed']) {
      const response = await get(`/admin/jobs?status=${status}`);
      expect(response.statusCode, status).toBe(200);
      expect((response.json() as { jobs: Array<{ jobId: string; status: string }> }).jobs).toEqual([
        expect.objectContaining({ jobId: failed, status: 'Failed' }),
      ]);
    }
    const both = (await get('/admin/jobs?status=succeeded,%20FAILED')).json() as { jobs: unknown[] };
    expect(both.jobs).toHaveLength(2);
    const wrong = await get('/admin/jobs?status=done');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ errors: { status: [expect.stringMatching(/in any case/)] } });
  });
});
