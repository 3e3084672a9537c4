// AUTH_MODE=keys (issue 12): every route with each kind of key, another tenant's key, no key, and
// unknown, revoked and expired keys; then what the database enforces by itself (row-level security).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ApiKeyAuthenticator } from '../../src/auth/keyAuthenticator.js';
import { generateKeyText } from '../../src/auth/apiKeyText.js';
import { jobsClaim, jobsSucceed } from '../../src/data/jobQueue.js';
import type { Pool } from '../../src/data/pool.js';
import { inTenantScope } from '../../src/data/tenantReads.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { insertJob } from '../support/jobs.js';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp, event } from '../support/testApp.js';

const db = useTestDatabase();
const adminToken = 'test-admin-token-0123456789';
let app: FastifyInstance;
let pool: Pool;

/** Creates a key with the CLI's own code and returns its id and text (the last line printed). */
async function createKey(args: string[]): Promise<{ id: string; text: string }> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  expect(outcome.exitCode).toBe(0);
  const text = outcome.stdout.at(-1)!;
  const id = /key ([0-9a-f-]{36})/.exec(outcome.stdout[0]!)![1]!;
  return { id, text };
}

const keys = {} as Record<
  'write' | 'read' | 'admin' | 'otherWrite' | 'otherRead' | 'revoked' | 'expired',
  { id: string; text: string }
>;
let acmeJob: string;
let otherJob: string;
const unknownKey = generateKeyText('read').text;

beforeAll(async () => {
  pool = db.createPool(2);
  app = await buildTestApp(db, { AUTH_MODE: 'keys', ADMIN_TOKEN: adminToken });
  keys.write = await createKey(['--tenant', 'acme', '--kind', 'write', '--name', 'web']);
  keys.read = await createKey(['--tenant', 'acme', '--kind', 'read']);
  keys.admin = await createKey(['--kind', 'admin', '--name', 'ops']);
  keys.otherWrite = await createKey(['--tenant', 'globex', '--kind', 'write']);
  keys.otherRead = await createKey(['--tenant', 'globex', '--kind', 'read']);
  keys.revoked = await createKey(['--tenant', 'acme', '--kind', 'read']);
  expect((await runKeysCommand(pool, ['revoke', keys.revoked.id])).exitCode).toBe(0);
  keys.expired = await createKey(['--tenant', 'acme', '--kind', 'read', '--expires-in', '1d']);
  await pool.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
    keys.expired.id,
  ]);
  acmeJob = await insertJob(pool, [{ type: 'clicked', timestamp: '2024-05-01T12:00:00Z' }], {
    tenantId: 'acme',
  });
  otherJob = await insertJob(pool, [{ type: 'viewed', timestamp: '2024-05-01T12:00:00Z' }], {
    tenantId: 'globex',
  });
  const claimed = await jobsClaim(pool, 'test-worker', 10, 30);
  await jobsSucceed(
    pool,
    'test-worker',
    claimed.map((job) => job.id),
  );
});
afterAll(async () => {
  await app.close();
  await pool.end();
});

const bearer = (key: { text: string }) => ({ authorization: `Bearer ${key.text}` });
const submit = (headers: Record<string, string>, tenantId = 'acme') =>
  app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ tenantId, events: [event()] }),
  });
const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

function expectProblem(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.json() as { title: string; detail: string; instance: string; correlationId: string };
}

function expectUnauthorized(response: LightMyRequestResponse) {
  const problem = expectProblem(response, 401);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="ingest"/);
  return problem;
}

describe('POST /v1/ingestions with AUTH_MODE=keys', () => {
  it("accepts the tenant's write key, as Bearer and as Basic with an empty password", async () => {
    expect((await submit(bearer(keys.write))).statusCode).toBe(202);
    const basic = Buffer.from(`${keys.write.text}:`).toString('base64');
    expect((await submit({ authorization: `Basic ${basic}` })).statusCode).toBe(202);
  });

  it("refuses a write key for another tenant's tenantId with 403, storing nothing", async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM ingestion_jobs');
    const problem = expectProblem(await submit(bearer(keys.otherWrite), 'acme'), 403);
    expect(problem.detail).toContain('"globex"');
    expect((await pool.query('SELECT count(*)::int AS n FROM ingestion_jobs')).rows).toEqual(before.rows);
  });

  it('refuses read and admin keys with 403: they do not submit', async () => {
    expect(expectProblem(await submit(bearer(keys.read)), 403).detail).toMatch(/read key cannot submit/);
    expect(expectProblem(await submit(bearer(keys.admin)), 403).detail).toMatch(/admin key cannot submit/);
  });

  it('answers 401 with a challenge that offers Basic too when no key is sent', async () => {
    const response = await submit({});
    expectUnauthorized(response);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="ingest", Basic realm="ingest"');
  });

  it('answers unknown, revoked and expired keys alike', async () => {
    const answers = await Promise.all(
      [{ text: unknownKey.replace('_read_', '_write_') }, keys.revoked, keys.expired].map((key) =>
        submit(bearer(key)),
      ),
    );
    const shapes = answers.map((response) => {
      const problem = expectUnauthorized(response);
      return { ...problem, correlationId: 'c', challenge: response.headers['www-authenticate'] };
    });
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
  });

  it('refuses Basic with a password, and malformed or oversized headers, with 401', async () => {
    const withPassword = Buffer.from(`${keys.write.text}:secret`).toString('base64');
    for (const authorization of [
      `Basic ${withPassword}`,
      'Basic !!!',
      'Bearer',
      'Token abc',
      `Bearer ${'x'.repeat(5000)}`,
      `Bearer ${keys.write.text} extra`,
      'Bearer ik_write_short',
    ]) {
      expectUnauthorized(await submit({ authorization }));
    }
  });

  it('refuses a key whose prefix names another kind than the stored one', async () => {
    const disguised = keys.read.text.replace('ik_read_', 'ik_write_').slice(0, 'ik_write_'.length + 32);
    expectUnauthorized(await submit(bearer({ text: disguised })));
  });
});

describe.each([
  ['GET /v1/ingestions/{jobId}', '/v1/ingestions/'],
  ['GET /v1/results/{jobId}', '/v1/results/'],
])('%s with AUTH_MODE=keys', (_name, prefix) => {
  it("reads the tenant's own job with its read key, and any job with an admin key", async () => {
    const own = await get(prefix + acmeJob, bearer(keys.read));
    expect(own.statusCode).toBe(200);
    expect(own.json().jobId).toBe(acmeJob);
    expect((await get(prefix + otherJob, bearer(keys.admin))).statusCode).toBe(200);
  });

  it("answers another tenant's job exactly as an unknown one: 404, same body but for ids", async () => {
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const foreign = expectProblem(await get(prefix + otherJob, bearer(keys.read)), 404);
    const unknown = expectProblem(await get(prefix + unknownId, bearer(keys.read)), 404);
    const normalize = (problem: Record<string, unknown>, id: string) =>
      JSON.parse(JSON.stringify({ ...problem, correlationId: 'c' }).replaceAll(id, 'ID')) as unknown;
    expect(normalize(foreign, otherJob)).toEqual(normalize(unknown, unknownId));
    // And the other way round: globex's read key does not see acme's job.
    expectProblem(await get(prefix + acmeJob, bearer(keys.otherRead)), 404);
  });

  it('refuses a write key with 403: it only submits', async () => {
    expect(expectProblem(await get(prefix + acmeJob, bearer(keys.write)), 403).detail).toMatch(
      /write key cannot read/,
    );
  });

  it('answers no key, unknown, revoked and expired keys with the same 401', async () => {
    const none = await get(prefix + acmeJob);
    expectUnauthorized(none);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="ingest"');
    const details = new Set<string>();
    for (const key of [{ text: unknownKey }, keys.revoked, keys.expired]) {
      const response = await get(prefix + acmeJob, bearer(key));
      details.add(expectUnauthorized(response).detail + response.headers['www-authenticate']);
    }
    expect(details.size).toBe(1);
  });

  it('refuses Basic here: it is for submitting only', async () => {
    const basic = Buffer.from(`${keys.read.text}:`).toString('base64');
    expect(
      expectUnauthorized(await get(prefix + acmeJob, { authorization: `Basic ${basic}` })).detail,
    ).toMatch(/Basic is accepted on POST/);
  });
});

describe('the admin API with AUTH_MODE=keys', () => {
  it('opens to an admin key and to ADMIN_TOKEN, kept as the simple option', async () => {
    expect((await get('/admin/jobs', bearer(keys.admin))).statusCode).toBe(200);
    expect((await get('/admin/jobs', { authorization: `Bearer ${adminToken}` })).statusCode).toBe(200);
  });

  it("refuses a tenant's keys with 403 and no, unknown, revoked or expired keys with 401", async () => {
    for (const key of [keys.write, keys.read]) expectProblem(await get('/admin/jobs', bearer(key)), 403);
    expectProblem(await get('/admin/jobs'), 401);
    for (const key of [{ text: unknownKey }, keys.revoked, keys.expired])
      expectProblem(await get('/admin/jobs', bearer(key)), 401);
  });

  it('holds every admin route to the same rule', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/admin/jobs'],
      ['GET', `/admin/jobs/${acmeJob}`],
      ['POST', `/admin/jobs/${otherJob}/retry`],
      ['POST', `/admin/jobs/${otherJob}/cancel`],
      ['POST', '/admin/jobs/retry', { tenant: 'nobody' }],
      ['GET', '/admin/overview'],
    ];
    for (const [method, url, body] of routes) {
      const send = (headers: Record<string, string>) =>
        app.inject({
          method: method as 'GET' | 'POST',
          url,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
      // The admin key gets past access control: whatever the route answers, it is not 401 or 403.
      expect([401, 403], `${method} ${url}`).not.toContain((await send(bearer(keys.admin))).statusCode);
      for (const key of [keys.write, keys.read, keys.otherRead]) expectProblem(await send(bearer(key)), 403);
      expectProblem(await send({}), 401);
      for (const key of [{ text: unknownKey }, keys.revoked, keys.expired])
        expectProblem(await send(bearer(key)), 401);
    }
  });

  it('serves the dashboard page, whose data needs the key', async () => {
    expect((await get('/ui')).statusCode).toBe(200);
  });
});

describe('the OpenAPI document with AUTH_MODE=keys', () => {
  it('declares the key schemes, which operation takes which, and their 401 and 403', async () => {
    const document = (await get('/openapi.json')).json();
    expect(Object.keys(document.components.securitySchemes)).toEqual(
      expect.arrayContaining(['apiKey', 'apiKeyBasic', 'adminToken']),
    );
    const submitOperation = document.paths['/v1/ingestions'].post;
    expect(submitOperation.security).toEqual([{ apiKey: [] }, { apiKeyBasic: [] }]);
    expect(Object.keys(submitOperation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(submitOperation.responses['401'].headers['WWW-Authenticate']).toBeDefined();
    for (const path of ['/v1/ingestions/{jobId}', '/v1/results/{jobId}']) {
      expect(document.paths[path].get.security).toEqual([{ apiKey: [] }]);
      expect(Object.keys(document.paths[path].get.responses)).toEqual(
        expect.arrayContaining(['401', '403', '404']),
      );
    }
    expect(document.paths['/health/live'].get.security).toBeUndefined();
  });
});

describe('what stays open', () => {
  it('serves the health endpoints without a key', async () => {
    expect((await get('/health/live')).statusCode).toBe(200);
    expect((await get('/health/ready')).statusCode).toBe(200);
  });
});

describe('keys', () => {
  it('stops working within one second of being revoked, on every process', async () => {
    const key = await createKey(['--tenant', 'acme', '--kind', 'read']);
    // A second app stands for a second API process: its own cache, the same database.
    const second = await buildTestApp(db, { AUTH_MODE: 'keys' });
    try {
      for (const instance of [app, second]) {
        const response = await instance.inject({
          method: 'GET',
          url: `/v1/ingestions/${acmeJob}`,
          headers: bearer(key),
        });
        expect(response.statusCode).toBe(200);
      }
      expect((await runKeysCommand(pool, ['revoke', key.text])).exitCode).toBe(0);
      // The caches reuse a look-up for 1 s at most; after that, both refuse.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (const instance of [app, second]) {
        const response = await instance.inject({
          method: 'GET',
          url: `/v1/ingestions/${acmeJob}`,
          headers: bearer(key),
        });
        expect(response.statusCode).toBe(401);
      }
    } finally {
      await second.close();
    }
  });

  it('are stored as a digest, with a hint, and a last-used time written at most once a minute', async () => {
    const { rows } = await pool.query<{ digest: Buffer; hint: string; last_used_at: Date | null }>(
      'SELECT digest, hint, last_used_at FROM api_keys WHERE id = $1',
      [keys.read.id],
    );
    expect(rows[0]!.digest).toHaveLength(32);
    expect(keys.read.text.startsWith(rows[0]!.hint)).toBe(true);
    expect(rows[0]!.hint.length).toBeLessThan(keys.read.text.length - 20);
    const stored = await pool.query('SELECT count(*)::int AS n FROM api_keys WHERE hint = $1 OR name = $1', [
      keys.read.text,
    ]);
    expect(stored.rows[0].n).toBe(0);
    // Used above: the time is set. A fresh authenticator (a new process) uses the key again now: the
    // statement itself keeps the time written less than a minute ago.
    const first = rows[0]!.last_used_at;
    expect(first).not.toBeNull();
    const authenticator = new ApiKeyAuthenticator(pool);
    expect(await authenticator.authenticate(keys.read.text)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await pool.query('SELECT last_used_at FROM api_keys WHERE id = $1', [keys.read.id]);
    expect(again.rows[0].last_used_at).toEqual(first);
  });

  it('carry their rate-limit overrides to the caller, null where the defaults apply', async () => {
    const limited = await createKey([
      '--tenant',
      'acme',
      '--kind',
      'write',
      '--rps',
      '50',
      '--eps',
      '2500.5',
    ]);
    const authenticator = new ApiKeyAuthenticator(pool);
    expect((await authenticator.authenticate(limited.text))?.rateLimits).toEqual({
      requestsPerSecond: 50,
      eventsPerSecond: 2500.5,
    });
    expect((await authenticator.authenticate(keys.write.text))?.rateLimits).toEqual({
      requestsPerSecond: null,
      eventsPerSecond: null,
    });
    expect(await authenticator.authenticate(keys.admin.text)).toMatchObject({
      kind: 'admin',
      tenantId: undefined,
    });
  });

  it('are listed per tenant without their text, and refused by the CLI when malformed', async () => {
    const listed = await runKeysCommand(pool, ['list', '--tenant', 'globex']);
    // A header row, then the tenant's two keys.
    expect(listed.stdout).toHaveLength(3);
    expect(listed.stdout.join('\n')).not.toContain(keys.otherRead.text);
    expect(listed.stdout.join('\n')).toContain(keys.otherRead.id);
    for (const args of [
      ['create', '--kind', 'write'],
      ['create', '--kind', 'admin', '--tenant', 'acme'],
      ['create', '--kind', 'root', '--tenant', 'acme'],
      ['create', '--kind', 'read', '--tenant', 'acme', '--expires-in', '30 days'],
      ['create', '--kind', 'read', '--tenant', 'acme', '--rps', '-1'],
      ['revoke', 'nonsense'],
      ['frobnicate'],
    ]) {
      expect((await runKeysCommand(pool, args)).exitCode).toBe(2);
    }
    expect((await runKeysCommand(pool, ['revoke', '00000000-0000-4000-8000-000000000000'])).exitCode).toBe(1);
  });
});

describe('row-level security', () => {
  it("returns nothing of another tenant's rows, even without the application's WHERE tenant_id", async () => {
    // The service's own role sees both jobs, their events and results.
    const all = await pool.query('SELECT id FROM ingestion_jobs WHERE id = ANY($1)', [[acmeJob, otherJob]]);
    expect(all.rowCount).toBe(2);
    // The same statements, confined to globex: acme's rows do not exist.
    const seen = await inTenantScope(pool, 'globex', async (client) => ({
      byId: (await client.query('SELECT id FROM ingestion_jobs WHERE id = $1', [acmeJob])).rowCount,
      jobs: (await client.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM ingestion_jobs')).rows,
      events: (await client.query('SELECT 1 FROM raw_events WHERE job_id = $1', [acmeJob])).rowCount,
      results: (await client.query('SELECT 1 FROM ingestion_results WHERE job_id = $1', [acmeJob])).rowCount,
      ownResults: (await client.query('SELECT 1 FROM ingestion_results WHERE job_id = $1', [otherJob]))
        .rowCount,
    }));
    expect(seen).toEqual({ byId: 0, jobs: [{ tenant_id: 'globex' }], events: 0, results: 0, ownResults: 1 });
  });

  it("puts the reads of a tenant's key in the tenant's scope in one statement, and leaves nothing set after", async () => {
    const client = await pool.connect();
    try {
      // Each read function of migration 016 does, inside the caller's statement, what inTenantScope's
      // transaction does: in an explicit transaction, what it set is still visible after it.
      const inScope = async (read: string, jobId: string) => {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query(`SELECT * FROM ${read}($1, $2, true)`, ['globex', jobId]);
          const scope = await client.query(
            "SELECT current_user AS role, current_setting('ingest.tenant_id') AS tenant, " +
              "current_setting('transaction_read_only') AS read_only, " +
              '(SELECT count(*)::int FROM ingestion_jobs WHERE id = $1) AS acme_jobs_seen',
            [acmeJob],
          );
          return { rows, scope: scope.rows[0] };
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const scoped = { role: 'ingest_tenant_reader', tenant: 'globex', read_only: 'on', acme_jobs_seen: 0 };
      const job = await inScope('ingest_tenant_job_find', acmeJob);
      expect(job).toEqual({ rows: [], scope: scoped });
      const results = await inScope('ingest_tenant_results_find', otherJob);
      expect(results.scope).toEqual(scoped);
      expect(results.rows.map((row) => row.event_type)).toEqual(['viewed']);
      // In its own (implicit) transaction, as the service runs it, nothing outlives the statement.
      await client.query('SELECT * FROM ingest_tenant_job_find($1, $2, true)', ['globex', otherJob]);
      const after = await client.query(
        "SELECT current_user AS role, coalesce(current_setting('ingest.tenant_id', true), '') AS tenant",
      );
      expect(after.rows[0].role).not.toBe('ingest_tenant_reader');
      expect(after.rows[0].tenant).toBe('');
    } finally {
      client.release();
    }
  });

  it('refuses writes in a tenant scope, and leaves nothing set once the transaction ends', async () => {
    await expect(
      inTenantScope(pool, 'globex', (client) =>
        client.query('DELETE FROM ingestion_jobs WHERE id = $1', [acmeJob]),
      ),
    ).rejects.toThrow();
    const client = await pool.connect();
    try {
      const { rows } = await client.query(
        "SELECT current_user AS role, coalesce(current_setting('ingest.tenant_id', true), '') AS tenant",
      );
      expect(rows[0].role).not.toBe('ingest_tenant_reader');
      expect(rows[0].tenant).toBe('');
    } finally {
      client.release();
    }
  });
});
