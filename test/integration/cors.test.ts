// Browsers: CORS on the /v1 routes for the origins CORS_ALLOWED_ORIGINS lists (`*` for the write route
// only), preflights answered and cached, the headers a page needs exposed, the admin routes never; and
// keys restricted to origins (`keys create --origin`).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/configError.js';
import type { Pool } from '../../src/data/pool.js';
import { runKeysCommand } from '../../src/entry/keysCommand.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
const appOrigin = 'https://app.example';
const other = 'https://other.example';
let corsApp: FastifyInstance;
let plainApp: FastifyInstance;
let keysApp: FastifyInstance;
let pool: Pool;
let jobId: string;
const keys = {} as Record<'restricted' | 'open' | 'restrictedRead', string>;

async function createKey(args: string[]): Promise<{ text: string; stdout: string[] }> {
  const outcome = await runKeysCommand(pool, ['create', ...args]);
  expect(outcome.exitCode, outcome.stderr.join('\n')).toBe(0);
  return { text: outcome.stdout.at(-1)!, stdout: outcome.stdout };
}

beforeAll(async () => {
  pool = db.createPool(2);
  corsApp = await buildTestApp(db, { CORS_ALLOWED_ORIGINS: `${appOrigin}, *` });
  plainApp = await buildTestApp(db);
  keysApp = await buildTestApp(db, { AUTH_MODE: 'keys', CORS_ALLOWED_ORIGINS: `${appOrigin},${other}` });
  keys.restricted = (
    await createKey(['--tenant', 'acme', '--kind', 'write', '--origin', 'HTTPS://App.Example:443'])
  ).text;
  keys.open = (await createKey(['--tenant', 'acme', '--kind', 'write'])).text;
  keys.restrictedRead = (await createKey(['--tenant', 'acme', '--kind', 'read', '--origin', appOrigin])).text;
  const submitted = await post(corsApp, {});
  jobId = submitted.json<{ jobId: string }>().jobId;
});

afterAll(async () => {
  await Promise.all([corsApp.close(), plainApp.close(), keysApp.close()]);
  await pool.end();
});

function post(
  app: FastifyInstance,
  headers: Record<string, string>,
  body: unknown = { tenantId: 'acme', events: [event()] },
) {
  return app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

const preflight = (app: FastifyInstance, url: string, origin: string, method: string) =>
  app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization,content-type,idempotency-key',
    },
  });

function expectProblem(response: LightMyRequestResponse, status: number, title: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json<{ title: string }>().title).toBe(title);
  return response.json<{ detail: string }>();
}

describe('CORS_ALLOWED_ORIGINS=https://app.example, *', () => {
  it('answers a preflight to submit from any origin, cached, with the headers a page sends', async () => {
    const response = await preflight(corsApp, '/v1/ingestions', other, 'POST');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(other);
    // * covers submitting only: the same path's GET (a read) is not offered to this origin.
    expect(response.headers['access-control-allow-methods']).toBe('POST');
    expect(String(response.headers['access-control-allow-headers'])).toMatch(
      /Authorization.*Content-Type.*Content-Encoding.*Idempotency-Key/,
    );
    expect(response.headers['access-control-max-age']).toBe('7200');
    expect(response.headers.vary).toMatch(/Origin/);
    const listed = await preflight(corsApp, '/v1/ingestions', appOrigin, 'GET');
    expect(listed.statusCode).toBe(204);
    expect(listed.headers['access-control-allow-methods']).toBe('POST, GET');
  });

  it('refuses a preflight to read from an origin that * alone allows, saying why', async () => {
    for (const url of [`/v1/ingestions/${jobId}`, `/v1/results/${jobId}`, '/v1/ingestions']) {
      const detail = expectProblem(await preflight(corsApp, url, other, 'GET'), 403, 'Origin not allowed');
      expect(detail.detail).toMatch(/CORS_ALLOWED_ORIGINS.*\* lets any page submit/);
      expect((await preflight(corsApp, url, appOrigin, 'GET')).statusCode).toBe(204);
    }
    expectProblem(
      await preflight(corsApp, `/v1/results/${jobId}`, appOrigin, 'DELETE'),
      405,
      'Method not allowed',
    );
  });

  it('lets the page read every answer of an allowed origin, errors included, with the headers it needs', async () => {
    const accepted = await post(corsApp, { origin: other });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['access-control-allow-origin']).toBe(other);
    const exposed = String(accepted.headers['access-control-expose-headers']);
    for (const name of ['Location', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-Correlation-Id'])
      expect(exposed).toContain(name);
    expect(accepted.headers.vary).toMatch(/Origin/);
    const invalid = await post(corsApp, { origin: other }, { tenantId: 'acme', events: [] });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['access-control-allow-origin']).toBe(other);
    const read = await corsApp.inject({
      method: 'GET',
      url: `/v1/ingestions/${jobId}`,
      headers: { origin: appOrigin },
    });
    expect(read.headers['access-control-allow-origin']).toBe(appOrigin);
  });

  it('gives a read from an origin not listed no CORS headers, so the page cannot read it', async () => {
    const read = await corsApp.inject({
      method: 'GET',
      url: `/v1/ingestions/${jobId}`,
      headers: { origin: other },
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers.vary).toMatch(/Origin/);
  });

  it('never answers CORS on the admin routes, the documents or health', async () => {
    for (const url of ['/admin/jobs', '/admin/overview', '/openapi.json', '/health/ready']) {
      const answer = await corsApp.inject({ method: 'GET', url, headers: { origin: appOrigin } });
      expect(answer.headers['access-control-allow-origin'], url).toBeUndefined();
      expect((await preflight(corsApp, url, appOrigin, 'GET')).statusCode, url).toBe(404);
    }
  });

  it('tells a plain OPTIONS the methods of the path', async () => {
    const response = await corsApp.inject({ method: 'OPTIONS', url: '/v1/ingestions' });
    expect(response.statusCode).toBe(204);
    expect(response.headers.allow).toBe('OPTIONS, POST, GET');
  });
});

describe('CORS off (the default)', () => {
  it('refuses every preflight with a problem naming the setting, and adds nothing to answers', async () => {
    const detail = expectProblem(
      await preflight(plainApp, '/v1/ingestions', appOrigin, 'POST'),
      403,
      'Origin not allowed',
    );
    expect(detail.detail).toMatch(/CORS_ALLOWED_ORIGINS is not set/);
    const accepted = await post(plainApp, { origin: appOrigin });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['access-control-allow-origin']).toBeUndefined();
    expect(accepted.headers.vary).toBeUndefined();
  });
});

describe('keys restricted to origins', () => {
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  it('accepts the key from its origin and refuses it from any other, or without one, with 403', async () => {
    expect(
      (await post(keysApp, { ...auth(keys.restricted), origin: appOrigin }, { events: [event()] }))
        .statusCode,
    ).toBe(202);
    const elsewhere = await post(keysApp, { ...auth(keys.restricted), origin: other }, { events: [event()] });
    expect(expectProblem(elsewhere, 403, 'Origin not allowed').detail).toContain(appOrigin);
    // The page of the other origin can read why (it is a CORS origin of this instance).
    expect(elsewhere.headers['access-control-allow-origin']).toBe(other);
    const nowhere = await post(keysApp, auth(keys.restricted), { events: [event()] });
    expect(expectProblem(nowhere, 403, 'Origin not allowed').detail).toMatch(/no Origin/);
    expect((await post(keysApp, auth(keys.open), { events: [event()] })).statusCode).toBe(202);
    expect(
      (await post(keysApp, { ...auth(keys.open), origin: other }, { events: [event()] })).statusCode,
    ).toBe(202);
  });

  it('restricts read keys alike', async () => {
    const url = `/v1/ingestions?limit=1`;
    const own = await keysApp.inject({
      method: 'GET',
      url,
      headers: { ...auth(keys.restrictedRead), origin: appOrigin },
    });
    expect(own.statusCode).toBe(200);
    const foreign = await keysApp.inject({
      method: 'GET',
      url,
      headers: { ...auth(keys.restrictedRead), origin: other },
    });
    expectProblem(foreign, 403, 'Origin not allowed');
  });

  it('stores the origins as browsers send them, lists them, and refuses what is not an origin', async () => {
    const listing = await runKeysCommand(pool, ['list', '--tenant', 'acme']);
    expect(listing.stdout.join('\n')).toMatch(new RegExp(` ${appOrigin.replace(/[.]/g, '\\.')}$`, 'm'));
    for (const bad of [
      'https://app.example/path',
      'app.example',
      'ftp://app.example',
      'https://app.example/',
    ]) {
      const outcome = await runKeysCommand(pool, [
        'create',
        '--tenant',
        'acme',
        '--kind',
        'write',
        '--origin',
        bad,
      ]);
      expect(outcome.exitCode, bad).toBe(2);
      expect(outcome.stderr[0]).toContain('is not an origin');
    }
    const admin = await runKeysCommand(pool, ['create', '--kind', 'admin', '--origin', appOrigin]);
    expect(admin.exitCode).toBe(2);
  });
});

describe('CORS_ALLOWED_ORIGINS', () => {
  it('reads origins as browsers send them and refuses what is not one, naming the variable', () => {
    expect(
      loadConfig({ CORS_ALLOWED_ORIGINS: 'HTTPS://A.example:443, http://localhost:3000,*' }).http.cors,
    ).toEqual({
      origins: ['https://a.example', 'http://localhost:3000'],
      anyOriginSubmits: true,
    });
    expect(loadConfig({}).http.cors).toEqual({ origins: [], anyOriginSubmits: false });
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow(
      /CORS_ALLOWED_ORIGINS/,
    );
  });
});
