// Issue 9, item 5: smaller write-path defects, each reproduced through the API as a client meets it.
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const db = useTestDatabase();
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  app = await buildTestApp(db);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
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

/** Sends raw bytes over a socket and returns everything the server wrote before closing. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.write(bytes, 'latin1');
  });
}

function parseRaw(text: string) {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('results keep RFC 3339 and the microseconds stored', () => {
  it('formats out-of-range UTC years with an offset and keeps microseconds', async () => {
    const accepted = await post({
      tenantId: 't',
      events: [
        event({ type: 'late', timestamp: '9999-12-31T23:59:59.123456-15:59' }),
        event({ type: 'early', timestamp: '0001-01-01T00:00:00.000001+15:59' }),
        event({ type: 'now', timestamp: '2024-05-01T12:00:00.123456Z' }),
        event({ type: 'round', timestamp: '2024-05-01T12:00:00Z' }),
      ],
    });
    const jobId = accepted.json<{ jobId: string }>().jobId;
    const pool = db.createPool(1);
    // The worker's aggregation, done here: the results as it would store them.
    await pool.query(
      `INSERT INTO ingestion_results (job_id, event_type, event_type_key, count, first_timestamp, last_timestamp)
       SELECT job_id, type, type_key, 1, occurred_at, occurred_at FROM raw_events WHERE job_id = $1`,
      [jobId],
    );
    await pool.query(`UPDATE ingestion_jobs SET status = 'Succeeded', processed_at = now() WHERE id = $1`, [
      jobId,
    ]);
    await pool.end();
    const response = await app.inject({ method: 'GET', url: `/v1/results/${jobId}` });
    const byType = new Map(
      response
        .json<{ results: Array<{ eventType: string; firstTimestamp: string }> }>()
        .results.map((r) => [r.eventType, r.firstTimestamp]),
    );
    for (const value of byType.values()) expect(value).toMatch(rfc3339);
    expect(byType.get('late')).toBe('9999-12-31T23:59:59.123456-15:59');
    expect(byType.get('early')).toBe('0001-01-01T00:00:00.000001+15:59');
    expect(byType.get('now')).toBe('2024-05-01T12:00:00.123456Z');
    expect(byType.get('round')).toBe('2024-05-01T12:00:00.000Z');
  });
});

describe('idempotency fingerprints what is stored', () => {
  it('replays a request that adds unknown fields or spells an absent payload as null', async () => {
    const key = { 'idempotency-key': 'fingerprint-1' };
    const first = await post(
      { tenantId: 't', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z' }] },
      key,
    );
    expect(first.statusCode).toBe(202);
    const jobId = first.json<{ jobId: string }>().jobId;
    for (const body of [
      { tenantId: 't', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z', payload: null }] },
      { tenantId: 't', source: 'sdk-2', events: [{ type: 'a', timestamp: '2024-05-01T12:00:00Z', id: 7 }] },
    ]) {
      const replay = await post(body, key);
      expect(replay.statusCode).toBe(202);
      expect(replay.json()).toEqual({ jobId });
    }
    const other = await post(
      { tenantId: 't', events: [{ type: 'b', timestamp: '2024-05-01T12:00:00Z' }] },
      key,
    );
    expect(other.statusCode).toBe(422);
  });
});

describe('job ids', () => {
  it('refuses urn:uuid: and other non-canonical forms with 400', async () => {
    for (const id of [
      'urn:uuid:123e4567-e89b-12d3-a456-426614174000',
      '{123e4567-e89b-12d3-a456-426614174000}',
      '123e4567e89b12d3a456426614174000',
    ]) {
      for (const route of ['ingestions', 'results']) {
        const response = await app.inject({ method: 'GET', url: `/v1/${route}/${encodeURIComponent(id)}` });
        expect(response.statusCode, `${route}/${id}`).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json<{ errors?: object }>().errors, `${route}/${id}`).toEqual({
          jobId: ['must be a UUID'],
        });
      }
    }
  });

  it('answers the canonical lowercase id on both routes for an uppercase one', async () => {
    const jobId = (await post({ tenantId: 't', events: [event()] })).json<{ jobId: string }>().jobId;
    for (const route of ['ingestions', 'results']) {
      const response = await app.inject({ method: 'GET', url: `/v1/${route}/${jobId.toUpperCase()}` });
      expect(response.statusCode).toBe(200);
      expect(response.json<{ jobId: string }>().jobId).toBe(jobId);
    }
  });
});

describe('payloads and bodies', () => {
  it('stores a payload with __proto__ and constructor keys as sent', async () => {
    const body =
      '{"tenantId":"t","events":[{"type":"a","timestamp":"2024-05-01T12:00:00Z","payload":{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}}]}';
    const response = await post(body);
    expect(response.statusCode).toBe(202);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const pool = db.createPool(1);
    const { rows } = await pool.query<{ payload: string }>(
      'SELECT payload::text AS payload FROM raw_events WHERE job_id = $1',
      [response.json<{ jobId: string }>().jobId],
    );
    await pool.end();
    expect(JSON.parse(rows[0]!.payload, (key, value) => value)).toBeTruthy();
    expect(rows[0]!.payload).toBe('{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}');
  });

  it('refuses a body declared in a charset other than UTF-8 with 415 naming UTF-8', async () => {
    const response = await post(
      Buffer.from(
        '{"tenantId":"caf\xe9","events":[{"type":"a","timestamp":"2024-05-01T12:00:00Z"}]}',
        'latin1',
      ).toString('latin1'),
      { 'content-type': 'application/json; charset=iso-8859-1' },
    );
    expect(response.statusCode).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json<{ detail: string }>().detail).toMatch(/UTF-8/);
    const utf8 = await post(
      { tenantId: 'café', events: [event()] },
      { 'content-type': 'application/json; charset=UTF-8' },
    );
    expect(utf8.statusCode).toBe(202);
  });
});

describe('protocol-level refusals', () => {
  it.each([
    ['a control character in a header', 'GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n'],
    [
      'Transfer-Encoding together with Content-Length',
      'POST /v1/ingestions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
  ])('answers %s with a problem document, a correlation id and connection: close', async (_, bytes) => {
    const answer = parseRaw(await rawExchange(bytes));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.headers['x-correlation-id']).toMatch(/\S/);
    expect(answer.headers.connection).toBe('close');
    const problem = JSON.parse(answer.body) as { status: number; detail: string; correlationId: string };
    expect(problem).toMatchObject({ status: 400, correlationId: answer.headers['x-correlation-id'] });
  });

  it('refuses two Idempotency-Key headers with 400 naming the header', async () => {
    const body = JSON.stringify({ tenantId: 't', events: [event()] });
    const answer = parseRaw(
      await rawExchange(
        `POST /v1/ingestions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
          `Idempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      ),
    );
    expect(answer.status).toBe(400);
    const problem = JSON.parse(answer.body) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors)).toEqual(['Idempotency-Key']);
  });
});
