// The key names the tenant: with AUTH_MODE=keys a write key's batch may leave tenantId out and is stored
// for the key's tenant; a tenantId that is sent must still be the key's. Without keys it stays required.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let keysApp: FastifyInstance;
let openApp: FastifyInstance;
let pool: Pool;
let writeKey: string;
let otherWriteKey: string;

async function createKey(args: string[]): Promise<string> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  expect(outcome.exitCode).toBe(0);
  return outcome.stdout.at(-1)!;
}

beforeAll(async () => {
  pool = db.createPool(2);
  keysApp = await buildTestApp(db, { AUTH_MODE: 'keys' });
  openApp = await buildTestApp(db);
  writeKey = await createKey(['--tenant', 'acme', '--kind', 'write']);
  otherWriteKey = await createKey(['--tenant', 'globex', '--kind', 'write']);
});

afterAll(async () => {
  await Promise.all([keysApp.close(), openApp.close()]);
  await pool.end();
});

const submit = (app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });

async function tenantOf(jobId: string): Promise<string> {
  const { rows } = await pool.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM ingestion_jobs WHERE id = $1',
    [jobId],
  );
  return rows[0]!.tenant_id;
}

describe('AUTH_MODE=keys: the write key names the tenant', () => {
  it("stores a batch without tenantId for the key's tenant", async () => {
    const response = await submit(keysApp, { events: [event()] }, { authorization: `Bearer ${writeKey}` });
    expect(response.statusCode).toBe(202);
    expect(await tenantOf(response.json<{ jobId: string }>().jobId)).toBe('acme');
    const other = await submit(keysApp, { events: [event()] }, { authorization: `Bearer ${otherWriteKey}` });
    expect(await tenantOf(other.json<{ jobId: string }>().jobId)).toBe('globex');
  });

  it("still accepts the key's own tenantId and refuses another with 403, storing nothing", async () => {
    const auth = { authorization: `Bearer ${writeKey}` };
    expect((await submit(keysApp, { tenantId: 'acme', events: [event()] }, auth)).statusCode).toBe(202);
    const before = await pool.query('SELECT count(*)::int AS n FROM ingestion_jobs');
    const refused = await submit(keysApp, { tenantId: 'globex', events: [event()] }, auth);
    expect(refused.statusCode).toBe(403);
    expect(refused.json<{ detail: string }>().detail).toContain('"acme"');
    expect((await pool.query('SELECT count(*)::int AS n FROM ingestion_jobs')).rows).toEqual(before.rows);
  });

  it('treats a retry that names the tenant and one that leaves it out as the same request', async () => {
    const headers = { authorization: `Bearer ${writeKey}`, 'idempotency-key': 'tenant-or-not' };
    const first = await submit(keysApp, { events: [event()] }, headers);
    const second = await submit(keysApp, { tenantId: 'acme', events: [event()] }, headers);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
  });

  it('still checks a tenantId that is sent', async () => {
    const response = await submit(
      keysApp,
      { tenantId: '   ', events: [event()] },
      { authorization: `Bearer ${writeKey}` },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: Record<string, string[]> }>().errors).toHaveProperty('tenantId');
  });

  it('documents tenantId as optional in this mode', async () => {
    const document = (await keysApp.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    }>();
    const schema = document.paths['/v1/ingestions']!.post.requestBody.content['application/json']!.schema as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(schema.required).toEqual(['events']);
    expect(schema.properties).toHaveProperty('tenantId');
  });
});

describe('AUTH_MODE=none: nothing else names the tenant', () => {
  it('still requires tenantId with 400', async () => {
    const response = await submit(openApp, { events: [event()] });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: Record<string, string[]> }>().errors).toEqual({
      tenantId: ['tenantId is required'],
    });
    const document = (await openApp.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    }>();
    const schema = document.paths['/v1/ingestions']!.post.requestBody.content['application/json']!.schema as {
      required: string[];
    };
    expect(schema.required).toEqual(['tenantId', 'events']);
  });
});
