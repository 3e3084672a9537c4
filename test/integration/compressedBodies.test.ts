// Compressed request bodies: Content-Encoding gzip, deflate and br decompressed as they arrive, with the
// body limit applied to the decompressed size (a compression bomb is a 413 with the API's memory
// unmoved), the in-flight budget counting decompressed bytes, 415 with Accept-Encoding for any other
// coding and 400 for a stream that does not decode.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, waitForOutput, type ServiceProcess } from '../support/processes.js';
import { buildTestApp, event } from '../support/testApp.js';
import { useTestDatabase } from '../support/testDatabase.js';

const run = promisify(execFile);
const db = useTestDatabase();
let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp(db);
});
afterAll(async () => {
  await app.close();
});

const batch = (n = 3) => ({
  tenantId: 'zip',
  events: Array.from({ length: n }, (_, k) => event({ type: k % 2 ? 'viewed' : 'clicked', payload: { k } })),
});

const post = (body: Buffer | string, headers: Record<string, string>, target = app) =>
  target.inject({
    method: 'POST',
    url: '/v1/ingestions',
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });

async function storedEvents(jobId: string): Promise<unknown[]> {
  const pool = db.createPool(1);
  try {
    const { rows } = await pool.query<{ type: string; payload: unknown }>(
      'SELECT type, payload FROM raw_events WHERE job_id = $1 ORDER BY seq',
      [jobId],
    );
    return rows;
  } finally {
    await pool.end();
  }
}

describe('compressed request bodies', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['GZIP', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('stores a body sent with Content-Encoding %s as its plain twin', async (coding, compress) => {
    const body = batch();
    const response = await post(compress(JSON.stringify(body)), { 'content-encoding': coding });
    expect(response.statusCode).toBe(202);
    expect(await storedEvents(response.json<{ jobId: string }>().jobId)).toEqual(
      body.events.map((e) => ({ type: e.type, payload: e.payload })),
    );
  });

  it('treats a compressed retry and a plain one with the same Idempotency-Key as one request', async () => {
    const text = JSON.stringify(batch(2));
    const first = await post(gzipSync(text), { 'content-encoding': 'gzip', 'idempotency-key': 'zip-1' });
    const second = await post(text, { 'idempotency-key': 'zip-1' });
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
  });

  it('refuses another coding with 415 and Accept-Encoding naming the accepted ones (RFC 7694)', async () => {
    for (const coding of ['compress', 'zstd', 'gzip, br', 'gzip;q=1']) {
      const response = await post(gzipSync(JSON.stringify(batch())), { 'content-encoding': coding });
      expect(response.statusCode, coding).toBe(415);
      expect(response.headers['accept-encoding']).toBe('gzip, deflate, br');
      expect(response.json<{ title: string }>().title).toBe('Unsupported content encoding');
    }
    expect((await post(JSON.stringify(batch()), { 'content-encoding': 'identity' })).statusCode).toBe(202);
  });

  it('answers a stream that does not decode with 400', async () => {
    const whole = gzipSync(JSON.stringify(batch()));
    for (const [name, body, coding] of [
      ['not gzip at all', Buffer.from(JSON.stringify(batch())), 'gzip'],
      ['truncated', whole.subarray(0, whole.length - 10), 'gzip'],
      ['a flipped byte', Buffer.from(whole.map((b, i) => (i === 20 ? b ^ 0xff : b))), 'gzip'],
      ['gzip sent as deflate', whole, 'deflate'],
      ['gzip sent as br', whole, 'br'],
    ] as const) {
      const response = await post(body, { 'content-encoding': coding });
      expect(response.statusCode, name).toBe(400);
      expect(response.headers['content-type'], name).toMatch(/^application\/problem\+json/);
    }
  });

  it('applies the body limit to the decompressed size', async () => {
    // 2 MB of JSON in ~2 KB of gzip, over the default MAX_BODY_BYTES of 1 MiB.
    const big = { tenantId: 'zip', events: [event({ payload: 'x'.repeat(2_000_000) })] };
    const response = await post(gzipSync(JSON.stringify(big)), { 'content-encoding': 'gzip' });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ detail: string }>().detail).toMatch(/decompresses to more than 1048576 bytes/);
  });
});

/** A batch of `events` events of 30 KB each (under MAX_PAYLOAD_BYTES), mostly spaces: it compresses well. */
const paddedBatch = (n: number, events: number) => ({
  tenantId: 'zip',
  events: Array.from({ length: events }, (_, k) => event({ payload: { n, k, pad: ' '.repeat(30_000) } })),
});

describe('the in-flight budget', () => {
  it('counts the decompressed bytes a compressed body holds', async () => {
    const budgetApp = await buildTestApp(db, { API_MAX_INFLIGHT_BYTES: '2000000' });
    const admin = new pg.Client({ ...db.config, ssl: false });
    await admin.connect();
    // Each insert statement takes 2 s: the admitted bodies stay held while the others arrive.
    await admin.query(`
      CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
      CREATE TRIGGER test_slow_insert BEFORE INSERT ON ingestion_jobs
        FOR EACH STATEMENT EXECUTE FUNCTION test_slow_insert();`);
    try {
      // Three bodies of 800 KB each, sent as ~3 KB of gzip: their compressed sizes fit the 2 MB budget
      // many times over, their decompressed ones not all three.
      const bodies = [1, 2, 3].map((n) => gzipSync(JSON.stringify(paddedBatch(n, 27))));
      expect(Math.max(...bodies.map((b) => b.length))).toBeLessThan(10_000);
      const answers = await Promise.all(
        bodies.map((body) => post(body, { 'content-encoding': 'gzip' }, budgetApp)),
      );
      const refused = answers.filter((a) => a.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.statusCode === 202).length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.json<{ title: string }>().title).toBe('Overloaded');
        expect(answer.headers['retry-after']).toBe('1');
      }
      expect(answers.every((a) => a.statusCode === 202 || a.statusCode === 503)).toBe(true);
    } finally {
      await admin.query('DROP TRIGGER test_slow_insert ON ingestion_jobs; DROP FUNCTION test_slow_insert()');
      await admin.end();
      await budgetApp.close();
    }
    // Alone, a compressed body as large as the budget allows still fits: it is never counted twice.
    const budgetOfOne = await buildTestApp(db, { API_MAX_INFLIGHT_BYTES: '1048576' });
    try {
      const body = gzipSync(JSON.stringify(paddedBatch(0, 33)));
      expect((await post(body, { 'content-encoding': 'gzip' }, budgetOfOne)).statusCode).toBe(202);
    } finally {
      await budgetOfOne.close();
    }
  });
});

describe('a compression bomb against a real API process', () => {
  let api: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    api = startProcess('src/entry/api.ts', { ...db.env, PORT: String(port), HOST: '127.0.0.1' });
    await waitForOutput(api, /API listening/, 60_000);
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await api?.stop('SIGTERM');
  });

  /** The process's resident memory and its peak so far, in MB (/proc/PID/status). */
  function memoryMb(): { rss: number; peak: number } {
    const status = readFileSync(`/proc/${api.child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  }

  // The client runs in a process of its own, as a real one does, and sends the whole upload before it
  // reads (Node's fetch): whether it receives the answer is part of what is tested. chunked: no
  // Content-Length, so the admission control counts the compressed bytes as they arrive.
  const clientScript = `
const { gzipSync } = require('node:zlib');
const [url, megabytes, chunked] = process.argv.slice(1);
const head = '{"tenantId":"bomb","events":[{"type":"t","timestamp":"2024-05-01T12:00:00Z","payload":"';
const bomb = gzipSync(Buffer.concat([Buffer.from(head), Buffer.alloc(Number(megabytes) * 1_048_576, 0x20), Buffer.from('"}]}')]), { level: 9 });
let sent = false;
const body = chunked === 'true'
  ? new ReadableStream({ pull(c) { if (sent) return c.close(); sent = true; c.enqueue(bomb); } })
  : bomb;
const started = performance.now();
fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body, duplex: 'half' }).then(
  async (r) => console.log(JSON.stringify({ status: r.status, ms: performance.now() - started, compressed: bomb.length, body: await r.json() })),
  (e) => console.log(JSON.stringify({ error: e.message, cause: e.cause?.code ?? e.cause?.message })),
);
`;

  it.each([false, true])(
    'answers 200 MB of spaces in gzip with 413 and holds none of it (chunked: %s)',
    async (chunked) => {
      const before = memoryMb();
      const { stdout } = await run(process.execPath, [
        '-e',
        clientScript,
        `${base}/v1/ingestions`,
        '200',
        String(chunked),
      ]);
      const outcome = JSON.parse(stdout) as {
        status?: number;
        ms?: number;
        compressed?: number;
        body?: { detail?: string };
      };
      const after = memoryMb();
      expect(outcome).toMatchObject({ status: 413 });
      expect(outcome.body?.detail).toMatch(/decompresses to more than/);
      // Decompressed whole, the bomb would take 200 MB; the process's peak resident memory moved by less
      // than a tenth of that.
      expect(after.peak - before.peak).toBeLessThan(20);
      // How long the API took from the request's arrival to its answer, by its own log line.
      const served = api
        .output()
        .split('\n')
        .filter((line) => line.includes('"statusCode":413'))
        .map((line) => (JSON.parse(line) as { ms: number }).ms)
        .at(-1);
      console.log(
        `compression bomb (chunked: ${chunked}): ${outcome.compressed} bytes of gzip for 200 MB, ` +
          `answered 413 by the API ${served} ms after the request arrived (${Math.round(outcome.ms ?? 0)} ms ` +
          `at the client); API RSS ${before.rss.toFixed(0)} → ` +
          `${after.rss.toFixed(0)} MB, peak ${before.peak.toFixed(0)} → ${after.peak.toFixed(0)} MB`,
      );
      // Still serving.
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    },
  );
});
