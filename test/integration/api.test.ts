import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { useTestDatabase } from '../support/testDatabase.js';
import { buildTestApp, event } from '../support/testApp.js';

const db = useTestDatabase();
let app: FastifyInstance;
let shuttingDown = false;

beforeAll(async () => {
  app = await buildTestApp(
    db,
    { MAX_EVENTS_PER_REQUEST: '50', MAX_PAYLOAD_BYTES: '1024', MAX_BODY_BYTES: '20000' },
    () => shuttingDown,
  );
});
afterAll(async () => {
  await app.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function expectProblem(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.headers['x-correlation-id']).toBeTruthy();
  const problem = response.json();
  expect(problem).toMatchObject({ type: expect.any(String), title: expect.any(String), status });
  expect(problem.detail).toEqual(expect.any(String));
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.(ts|js):\d+/);
  return problem;
}

describe('POST /v1/ingestions', () => {
  it('stores the job and its events and answers 202 with jobId and Location', async () => {
    const response = await post({
      tenantId: 'acme',
      events: [event(), event({ type: 'viewed', payload: undefined }), event({ type: 'Clicked' })],
    });
    expect(response.statusCode).toBe(202);
    const { jobId } = response.json();
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.location).toBe(`/v1/ingestions/${jobId}`);

    const pool = db.createPool(1);
    const events = await pool.query(
      'SELECT seq, type, type_key, payload FROM raw_events WHERE job_id = $1 ORDER BY seq',
      [jobId],
    );
    await pool.end();
    expect(events.rows).toEqual([
      { seq: 1, type: 'clicked', type_key: 'CLICKED', payload: { page: '/home' } },
      { seq: 2, type: 'viewed', type_key: 'VIEWED', payload: null },
      { seq: 3, type: 'Clicked', type_key: 'CLICKED', payload: { page: '/home' } },
    ]);
  });

  it('echoes the caller’s correlation id, or makes one', async () => {
    const response = await post({ tenantId: 'acme', events: [event()] }, { 'x-correlation-id': 'trace-42' });
    expect(response.headers['x-correlation-id']).toBe('trace-42');
    const other = await app.inject({ method: 'GET', url: '/health/live' });
    expect(other.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists every invalid field in errors', async () => {
    const problem = expectProblem(
      await post({
        tenantId: '   ',
        events: [
          event(),
          event({ type: '' }),
          event({ timestamp: '2024-05-01T12:00:00' }),
          'x',
          event({ type: 7 }),
        ],
      }),
      400,
    );
    expect(problem.errors).toEqual({
      tenantId: ['must not be blank'],
      // One message for an empty string, which fails both the length and the non-blank rule.
      'events[1].type': ['must not be empty'],
      'events[2].timestamp': ['must be an RFC 3339 date-time with offset, such as 2024-05-01T12:00:00Z'],
      'events[3]': ['must be an object'],
      'events[4].type': ['must be a string'],
    });
  });

  it.each([
    ['a missing tenantId', { events: [event()] }, { tenantId: ['tenantId is required'] }],
    ['an empty tenantId', { tenantId: '', events: [event()] }, { tenantId: ['must not be empty'] }],
    ['a missing events list', { tenantId: 't' }, { events: ['events is required'] }],
    ['an empty events list', { tenantId: 't', events: [] }, { events: ['at least one event is required'] }],
    [
      'a missing timestamp',
      { tenantId: 't', events: [{ type: 'x' }] },
      { 'events[0].timestamp': ['timestamp is required'] },
    ],
    [
      'a tenantId over 128 characters',
      { tenantId: 'x'.repeat(129), events: [event()] },
      { tenantId: ['must be at most 128 characters'] },
    ],
    ['a number as tenantId', { tenantId: 5, events: [event()] }, { tenantId: ['must be a string'] }],
    [
      'year 0000',
      { tenantId: 't', events: [event({ timestamp: '0000-01-01T00:00:00Z' })] },
      { 'events[0].timestamp': [expect.stringMatching(/RFC 3339/)] },
    ],
    [
      'a NUL in a type',
      { tenantId: 't', events: [event({ type: 'a\u0000b' })] },
      { 'events[0].type': [expect.stringMatching(/NUL/)] },
    ],
    [
      'a NUL in a payload',
      { tenantId: 't', events: [event({ payload: { s: '\u0000' } })] },
      { 'events[0].payload': [expect.stringMatching(/NUL/)] },
    ],
  ])('refuses %s with 400', async (_, body, errors) => {
    expect(expectProblem(await post(body), 400).errors).toEqual(errors);
  });

  it('refuses a body that is not an object', async () => {
    expect(expectProblem(await post([1, 2]), 400).errors).toEqual({ body: ['body must be a JSON object'] });
  });

  it('refuses malformed JSON with 400', async () => {
    const malformed = expectProblem(await post('{"tenantId": "t", "events": [}'), 400);
    expect([malformed.title, malformed.detail]).toEqual([
      'Malformed JSON',
      expect.not.stringMatching(/content-type/),
    ]);
    expectProblem(await post(''), 400);
  });

  it('refuses a body that is not JSON with 415', async () => {
    expectProblem(await post('tenantId=t', { 'content-type': 'text/plain' }), 415);
    expectProblem(await post('<a/>', { 'content-type': 'application/xml' }), 415);
  });

  it('refuses too many events, a too large payload and a too large body with 413', async () => {
    const tooMany = expectProblem(
      await post({ tenantId: 't', events: Array.from({ length: 51 }, () => event()) }),
      413,
    );
    expect(tooMany.detail).toMatch(/at most 50 events/);
    const bigPayload = expectProblem(
      await post({ tenantId: 't', events: [event(), event({ payload: 'x'.repeat(1100) })] }),
      413,
    );
    expect(bigPayload.detail).toMatch(/events\[1\]\.payload/);
    // Payloads under the limit each are accepted, however large they are together.
    const manyMedium = await post({
      tenantId: 't',
      events: Array.from({ length: 3 }, () => event({ payload: 'x'.repeat(900) })),
    });
    expect(manyMedium.statusCode).toBe(202);
    const bigBody = expectProblem(
      await post({ tenantId: 't', events: [event({ payload: 'x'.repeat(25_000) })] }),
      413,
    );
    expect(bigBody.detail).toMatch(/20000 bytes/);
  });

  it('refuses a payload nested too deeply with 400', async () => {
    const deep =
      '{"tenantId":"t","events":[{"type":"x","timestamp":"2024-05-01T12:00:00Z","payload":' +
      '['.repeat(5000) +
      ']'.repeat(5000) +
      '}]}';
    expect(expectProblem(await post(deep), 400).errors).toEqual({
      'events[0].payload': [expect.stringMatching(/deeper/)],
    });
  });

  it('refuses an oversized or blank Idempotency-Key with 400', async () => {
    const long = expectProblem(
      await post({ tenantId: 't', events: [event()] }, { 'idempotency-key': 'k'.repeat(256) }),
      400,
    );
    expect(long.errors).toEqual({ 'Idempotency-Key': ['must be at most 255 characters'] });
    expectProblem(await post({ tenantId: 't', events: [event()] }, { 'idempotency-key': ' ' }), 400);
  });
});

describe('Idempotency-Key', () => {
  const body = { tenantId: 'acme', events: [event(), event({ type: 'viewed' })] };

  it('gives the same job for the same body, in any key order, and stores nothing new', async () => {
    const first = await post(body, { 'idempotency-key': 'order-1' });
    const reordered = JSON.stringify({ events: body.events, tenantId: 'acme' });
    const second = await post(reordered, { 'idempotency-key': 'order-1' });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(second.json().jobId).toBe(first.json().jobId);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const pool = db.createPool(1);
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM ingestion_jobs WHERE idempotency_key = 'order-1'",
    );
    await pool.end();
    expect(rows[0].n).toBe(1);
  });

  it('answers 422 when the key is reused with another body', async () => {
    const first = await post(body, { 'idempotency-key': 'order-2' });
    const problem = expectProblem(
      await post({ ...body, events: [event()] }, { 'idempotency-key': 'order-2' }),
      422,
    );
    expect(problem.jobId).toBe(first.json().jobId);
  });

  it('scopes keys by tenant', async () => {
    const a = await post(body, { 'idempotency-key': 'shared' });
    const b = await post({ ...body, tenantId: 'other' }, { 'idempotency-key': 'shared' });
    expect(a.json().jobId).not.toBe(b.json().jobId);
  });

  it('makes one job of 20 identical requests racing', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(body, { 'idempotency-key': 'race' })),
    );
    expect(new Set(responses.map((r) => r.statusCode))).toEqual(new Set([202]));
    expect(new Set(responses.map((r) => r.json().jobId)).size).toBe(1);
  });

  it('makes one job when different bodies race for one key; the others get 422', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post({ tenantId: 'acme', events: [event({ type: `t${i}` })] }, { 'idempotency-key': 'contest' }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([202, ...Array(9).fill(422)]);
  });
});

describe('GET /v1/ingestions/{jobId} and /v1/results/{jobId}', () => {
  it('shows a new job as Pending with every field, and its results as empty', async () => {
    const { jobId } = (await post({ tenantId: 'acme', events: [event(), event()] })).json();
    const status = await app.inject({ method: 'GET', url: `/v1/ingestions/${jobId}` });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({
      jobId,
      status: 'Pending',
      attempt: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      processedAt: null,
      error: null,
      tenantId: 'acme',
      eventCount: 2,
      maxAttempts: 5,
      availableAt: expect.any(String),
    });
    const results = await app.inject({ method: 'GET', url: `/v1/results/${jobId}` });
    expect(results.json()).toEqual({ jobId, status: 'Pending', results: [] });
  });

  it('answers 404 for an unknown job and 400 for an id that is not a UUID', async () => {
    for (const url of ['/v1/ingestions/', '/v1/results/']) {
      expect(
        expectProblem(
          await app.inject({ method: 'GET', url: `${url}00000000-0000-4000-8000-000000000000` }),
          404,
        ).title,
      ).toBe('Job not found');
      expect(expectProblem(await app.inject({ method: 'GET', url: `${url}not-a-uuid` }), 400).errors).toEqual(
        { jobId: ['must be a UUID'] },
      );
    }
  });

  it('answers 404 problem for an unknown route', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v2/nothing' }), 404);
  });
});

describe('health', () => {
  it('is live and ready while the database answers; once shutting down, not ready and refusing work', async () => {
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    shuttingDown = true;
    expectProblem(await app.inject({ method: 'GET', url: '/health/ready' }), 503);
    expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const refused = await post({ tenantId: 'acme', events: [event()] });
    expect(expectProblem(refused, 503).title).toBe('Shutting down');
    expect(refused.headers['retry-after']).toBe('1');
    shuttingDown = false;
  });
});

describe('GET /openapi.json', () => {
  it('describes the routes from the same schemas that validate them', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/ingestions', '/v1/ingestions/{jobId}', '/v1/results/{jobId}']),
    );
    const body = document.paths['/v1/ingestions'].post.requestBody.content['application/json'].schema;
    expect(body.properties.events.maxItems).toBe(50);
  });
});
